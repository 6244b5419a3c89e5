package io.cgfed.core.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's binding of the Rust tokenizers library,
 * offline (the native library ships in the Maven jar). Special tokens are not added by encode: the
 * caller places BOS and EOS itself, as the training and prompt formats require.
 */
public final class HfTokenizer implements TextTokenizer, AutoCloseable {
    private static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>");
    private static final List<String> EOS_NAMES = List.of("</s>", "<|end_of_text|>", "<|eot_id|>", "<eos>", "<|endoftext|>");
    private static final List<String> PAD_NAMES = List.of("<pad>", "<|pad|>", "[PAD]");
    private final HuggingFaceTokenizer tokenizer;
    private final int bos;
    private final int eos;
    private final int pad;

    private HfTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.bos = find(BOS_NAMES);
        this.eos = find(EOS_NAMES);
        int p = find(PAD_NAMES);
        this.pad = p >= 0 ? p : eos;
    }

    /** Reads {@code tokenizer.json} in a checkpoint directory, or the file itself. */
    public static HfTokenizer open(Path dirOrFile) throws IOException {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("tokenizer.json") : dirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new IOException("no tokenizer.json at " + file);
        }
        return new HfTokenizer(HuggingFaceTokenizer.newInstance(file, Map.of(
                "addSpecialTokens", "false", "truncation", "false", "padding", "false")));
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public int pad() {
        return pad;
    }

    private int find(List<String> names) {
        for (String n : names) {
            long[] ids = tokenizer.encode(n, false, false).getIds();
            if (ids.length == 1 && n.equals(tokenizer.decode(ids, false))) {
                return Math.toIntExact(ids[0]);
            }
        }
        return -1;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
