package io.cgfed.core.text;

/** Text to token ids and back, with the special tokens a causal LM needs (-1 where there is none). */
public interface TextTokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    int bos();

    int eos();

    int pad();

    /**
     * The token a model emits for an option letter after a prompt ending in {@code "Answer:"}: for
     * subword vocabularies that is the letter with its leading space ({@code " A"}, one token).
     */
    default int answerToken(char letter) {
        int[] ids = encode(" " + letter);
        if (ids.length == 0) {
            throw new IllegalStateException("the tokenizer encodes \" " + letter + "\" to nothing");
        }
        return ids[ids.length - 1];
    }
}
