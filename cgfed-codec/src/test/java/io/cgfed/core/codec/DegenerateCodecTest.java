package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.codec.cgae.CgaeSettings;
import io.cgfed.core.codec.cgae.CgaeTraining;
import io.cgfed.core.codec.cgae.CodecModel;
import io.cgfed.core.codec.cgae.TileAutoencoder;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The paper's robustness table can be read as "the decoder ignores its input". Our metrics must catch
 * such a codec: whatever its error magnitude, a reconstruction that does not depend on the update
 * scores near-zero cosine, on the worker's path (encode, decode, measure) and in TGAP's held-out report.
 */
class DegenerateCodecTest {
    static NamedTensors update(Random r) {
        float[] v = new float[300];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.01 * r.nextGaussian());
        }
        return new NamedTensors().put("a", new FloatTensor(new int[] {3, 100}, v));
    }

    /** Decodes every body to the same small pattern, whatever it was sent. */
    static final class ConstantCodec implements Codec {
        @Override
        public String name() {
            return "constant";
        }

        @Override
        public byte[] encode(NamedTensors update) {
            return new byte[0];
        }

        @Override
        public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
            float[] v = new float[(int) TensorSpec.totalNumel(manifest)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (1e-4 * Math.sin(i));
            }
            return Manifests.split(v, manifest);
        }
    }

    @Test
    void aDecoderThatIgnoresItsInputScoresNearZeroCosine() {
        Random r = new Random(3);
        double sum = 0;
        double maxAbs = 0;
        for (int i = 0; i < 200; i++) {
            NamedTensors u = update(r);
            ErrorFeedback.Encoded e = ErrorFeedback.encodeOnce(u, new ConstantCodec());
            ReconstructionQuality q = ReconstructionQuality.of(u, e.decoded());
            sum += q.cosine();
            maxAbs = Math.max(maxAbs, Math.abs(q.cosine()));
            // its error is small in absolute terms (the paper's reading), yet SNR shows it sends nothing
            assertThat(q.snrDb()).isLessThan(0.1);
        }
        assertThat(Math.abs(sum / 200)).isLessThan(0.02);
        assertThat(maxAbs).isLessThan(0.3);
    }

    @Test
    void tgapHeldOutQualityCatchesAnAutoencoderThatIgnoresItsLatent() {
        Random r = new Random(5);
        CgaeSettings s = CgaeSettings.of(Map.of("tile", 8, "compression", 16));
        List<CgaeTraining.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            samples.add(new CgaeTraining.Sample(i % 3, i, update(r)));
        }
        CodecModel trained = CgaeTraining.train(s, samples, io.cgfed.core.codec.cgae.TrainingProgress.NONE).model();
        TileAutoencoder real = trained.autoencoder();
        TileAutoencoder ignoring = new TileAutoencoder() {
            public String architecture() {
                return "constant";
            }

            public int tileSize() {
                return real.tileSize();
            }

            public int latentDim() {
                return real.latentDim();
            }

            public int positions() {
                return real.positions();
            }

            public float[][] encode(float[][] tiles) {
                return real.encode(tiles);
            }

            public float[][] decode(float[][] latents) {
                float[][] out = new float[latents.length][real.tileSize()];
                for (float[] row : out) {
                    java.util.Arrays.fill(row, 0.5f);
                }
                return out;
            }

            public NamedTensors state() {
                return real.state();
            }

            public NamedTensors contribution(List<float[][]> freshTiles) {
                throw new UnsupportedOperationException();
            }

            public TileAutoencoder adapt(List<NamedTensors> contributions, CgaeSettings settings) {
                return this;
            }
        };
        List<NamedTensors> fresh = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fresh.add(update(r));
        }
        CgaeTraining.Quality q = CgaeTraining.evaluate(trained.withAutoencoder(ignoring), fresh);
        assertThat(Math.abs(q.cosine())).isLessThan(0.1);
        assertThat(q.snrDb()).isLessThan(0.5);
    }
}
