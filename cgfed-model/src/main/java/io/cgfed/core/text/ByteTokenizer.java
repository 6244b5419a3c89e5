package io.cgfed.core.text;

import java.nio.charset.StandardCharsets;

/** The built-in models' tokenizer: one token per UTF-8 byte, then BOS, EOS and PAD. */
public final class ByteTokenizer implements TextTokenizer {
    public static final int BOS = 256;
    public static final int EOS = 257;
    public static final int PAD = 258;
    public static final int VOCAB_SIZE = 259;

    @Override
    public int bos() {
        return BOS;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public int pad() {
        return PAD;
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return ids;
    }

    /** Bytes back to text; BOS, EOS and PAD are dropped, invalid UTF-8 becomes U+FFFD. */
    @Override
    public String decode(int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            if (id >= 0 && id < 256) {
                out.write(id);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Byte prompts end in ':' and the letter follows without a space. */
    @Override
    public int answerToken(char letter) {
        return token(letter);
    }

    /** The token of a single ASCII character, e.g. an answer letter. */
    public int token(char c) {
        if (c > 127) {
            throw new IllegalArgumentException("not an ASCII character: " + c);
        }
        return c;
    }
}
