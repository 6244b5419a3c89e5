package io.cgfed.core.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian ints in byte arrays, at any offset: the JDK's byte-array view (one bounds check, no buffer). */
public final class LittleEndian {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }

    public static void putInt(byte[] b, int offset, int v) {
        INT.set(b, offset, v);
    }

    public static int getInt(byte[] b, int offset) {
        return (int) INT.get(b, offset);
    }
}
