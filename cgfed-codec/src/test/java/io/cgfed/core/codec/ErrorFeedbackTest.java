package io.cgfed.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.tensor.NamedTensors;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorFeedbackTest {

    @Test
    void whatTopKDropsIsCarriedAndDeliveredInLaterRounds() {
        NamedTensors update = BaselineCodecsTest.update(1000, 5);
        Codec topk = Codecs.create("topk", Map.of("fraction", 0.1));
        ErrorFeedback ef = new ErrorFeedback();
        NamedTensors delivered = null;
        double[] errorOfSum = new double[21];
        for (int round = 1; round <= 20; round++) {
            // the same update every round: with feedback the sum delivered approaches the sum intended
            ErrorFeedback.Encoded e = ef.encode("exp/0", update, topk);
            delivered = delivered == null ? e.decoded() : delivered.plus(e.decoded());
            float[] intended = e.intended().flatten();
            float[] sent = e.decoded().flatten();
            float[] left = ef.residual("exp/0").flatten();
            for (int i = 0; i < left.length; i++) {
                assertThat(left[i]).isCloseTo(intended[i] - sent[i], within(1e-7f));
            }
            errorOfSum[round] = relativeError(delivered.flatten(), update.flatten(), round);
        }
        // without feedback the sum of n rounds is n times one lossy reconstruction: its error stays put
        double withoutFeedback = ReconstructionQuality.of(update, ErrorFeedback.encodeOnce(update, topk).decoded())
                .relativeL2Error();
        assertThat(withoutFeedback).isGreaterThan(0.3);
        assertThat(errorOfSum[20]).isLessThan(errorOfSum[5]).isLessThan(withoutFeedback / 2);
    }

    private static double relativeError(float[] sum, float[] update, int rounds) {
        double err = 0;
        double sig = 0;
        for (int i = 0; i < sum.length; i++) {
            double w = (double) rounds * update[i];
            err += (sum[i] - w) * (sum[i] - w);
            sig += w * w;
        }
        return Math.sqrt(err / sig);
    }

    @Test
    void residualsAreKeptPerClientAndForgottenPerExperiment() {
        NamedTensors update = BaselineCodecsTest.update(100, 6);
        Codec topk = Codecs.create("topk", Map.of("fraction", 0.1));
        ErrorFeedback ef = new ErrorFeedback();
        ef.encode("e1/0", update, topk);
        ef.encode("e1/1", update, topk);
        ef.encode("e2/0", update, topk);
        ef.forget("e1/");
        assertThat(ef.residual("e1/0")).isNull();
        assertThat(ef.residual("e1/1")).isNull();
        assertThat(ef.residual("e2/0")).isNotNull();
    }

    @Test
    void aLongLivedWorkerKeepsOnlyTheMostRecentlyUsedResiduals() {
        NamedTensors update = BaselineCodecsTest.update(50, 7);
        Codec topk = Codecs.create("topk", Map.of("fraction", 0.1));
        ErrorFeedback ef = new ErrorFeedback(2);
        ef.encode("a/0", update, topk);
        ef.encode("b/0", update, topk);
        ef.encode("a/0", update, topk); // a is now the most recently used
        ef.encode("c/0", update, topk);
        assertThat(ef.residual("b/0")).isNull();
        assertThat(ef.residual("a/0")).isNotNull();
        assertThat(ef.residual("c/0")).isNotNull();
    }
}
