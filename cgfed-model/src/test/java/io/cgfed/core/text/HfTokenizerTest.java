package io.cgfed.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    /** A word-level tokenizer.json as the tokenizers library writes one, with two special tokens. */
    private static final String TOKENIZER_JSON = """
            {"version":"1.0","truncation":null,"padding":null,
             "added_tokens":[
               {"id":0,"content":"<s>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
               {"id":1,"content":"</s>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
             "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,
             "decoder":{"type":"WordPiece","prefix":"##","cleanup":true},
             "model":{"type":"WordLevel","vocab":{"<s>":0,"</s>":1,"<unk>":2,"federated":3,"fine":4,"tuning":5,"works":6},
                      "unk_token":"<unk>"}}""";

    @Test
    void readsATokenizerJsonOfflineAndRoundTripsText(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), TOKENIZER_JSON);
        try (HfTokenizer t = HfTokenizer.open(dir)) {
            assertThat(t.encode("federated fine tuning works")).containsExactly(3, 4, 5, 6);
            assertThat(t.encode("federated magic")).containsExactly(3, 2);
            assertThat(t.decode(new int[] {0, 3, 6, 1})).isEqualTo("federated works");
            assertThat(t.bos()).isZero();
            assertThat(t.eos()).isEqualTo(1);
            assertThat(t.pad()).isEqualTo(1);
        }
    }

    @Test
    void aDirectoryWithoutTokenizerJsonIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> HfTokenizer.open(dir)).hasMessageContaining("tokenizer.json");
    }
}
