package io.cgfed.core.tensor;

/** IEEE 754 half precision and bfloat16 conversions (Java 17 has no Float.floatToFloat16). */
public final class Half {
    private Half() {
    }

    /** float32 to float16 bits, rounding to nearest even; overflow goes to infinity. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int magnitude = bits & 0x7fffffff;
        if (magnitude >= 0x38800000 && magnitude < 0x477ff000) {
            // a normal half, the common case: rebias the exponent and round the 13 dropped bits to nearest even
            // in one add (a carry into the exponent is the right result; 0x477ff000 and up round to infinity)
            int rounded = magnitude + 0x0fff + ((magnitude >>> 13) & 1) - 0x38000000;
            return (short) (((bits >>> 16) & 0x8000) | (rounded >>> 13));
        }
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** float16 bits to float32 (exact). */
    public static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant / 1024f / 16384f; // mant * 2^-24
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /**
     * float32 to bfloat16 bits, rounding to nearest even (as PyTorch's {@code tensor.to(torch.bfloat16)});
     * overflow goes to infinity, NaN stays a (quiet) NaN with its sign.
     */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040); // keep it a NaN even if the payload is in the low bits
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7fff + lsb) >>> 16);
    }

    /** bfloat16 bits to float32: the upper half of a float32. */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }
}
