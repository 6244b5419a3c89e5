package io.cgfed.launcher;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads the tensor names of a safetensors file: enough for a test to see what it downloaded. */
final class SafeTensorsHeader {
    private SafeTensorsHeader() {
    }

    static List<String> tensorNames(byte[] file) {
        long len = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JsonMapper.builder().build().readTree(new String(file, 8, (int) len, StandardCharsets.UTF_8));
        List<String> names = new ArrayList<>();
        header.propertyNames().forEach(n -> {
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        });
        return names;
    }
}
