package io.cgfed.core.text;

/** Text to token ids and back, with the special tokens a causal LM needs (-1 where there is none). */
public interface TextTokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    int bos();

    int eos();

    int pad();
}
