package io.cgfed.codec.codecs;

import io.cgfed.core.codec.Codecs;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Lists the codecs this service can decode. */
@RestController
public class CodecCatalogController {
    @GetMapping("/api/v1/codecs")
    public List<Map<String, String>> codecs() {
        return Codecs.names().stream().map(n -> Map.of("name", n)).toList();
    }
}
