package io.cgfed.core.model.hf;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@code tokenizer.json} for the Hugging Face tokenizers library: byte-level BPE (GPT-2's
 * byte-to-character map) over the 256 bytes, no merges, plus special tokens at given ids. Every
 * text encodes (one token per byte) and decodes back; the ids of the special tokens are the model's
 * published ones, the bytes take the lowest free ids. A checkpoint made without a download gets a
 * working tokenizer this way; a real checkpoint brings its own.
 */
public final class ByteLevelTokenizerJson {
    private ByteLevelTokenizerJson() {
    }

    public static String of(List<PublishedModels.Special> specials) {
        ObjectNode root = CheckpointMaker.JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        Set<Integer> taken = new HashSet<>();
        for (PublishedModels.Special s : specials) {
            taken.add(s.id());
            added.addObject().put("id", s.id()).put("content", s.content()).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        for (String symbol : byteSymbols()) {
            while (taken.contains(id)) {
                id++;
            }
            vocab.put(symbol, id++);
        }
        for (PublishedModels.Special s : specials) {
            vocab.put(s.content(), s.id());
        }
        model.putArray("merges");
        return CheckpointMaker.JSON.writeValueAsString(root);
    }

    /** GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest map to code points from 256 up. */
    static List<String> byteSymbols() {
        List<String> out = new ArrayList<>(256);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out.add(new String(Character.toChars(printable ? b : 256 + next++)));
        }
        return out;
    }
}
