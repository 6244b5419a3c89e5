package io.cgfed.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.text.ByteTokenizer;
import org.junit.jupiter.api.Test;

class ByteTokenizerTextTest {

    @Test
    void utf8TextRoundTripsAndSpecialTokensAreDroppedOnDecode() {
        TextTokenizer t = new ByteTokenizer();
        int[] ids = t.encode("Grüße, LoRA!");
        assertThat(ids).hasSize("Grüße, LoRA!".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        int[] framed = new int[ids.length + 2];
        framed[0] = t.bos();
        System.arraycopy(ids, 0, framed, 1, ids.length);
        framed[framed.length - 1] = t.eos();
        assertThat(t.decode(framed)).isEqualTo("Grüße, LoRA!");
        assertThat(t.pad()).isEqualTo(ByteTokenizer.PAD);
    }
}
