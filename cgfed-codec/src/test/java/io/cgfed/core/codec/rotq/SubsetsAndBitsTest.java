package io.cgfed.core.codec.rotq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SubsetsAndBitsTest {
    @Test
    void theSubsetHasExactlyTheKeptPositionsAndEveryPositionIsEquallyLikely() {
        int block = 1024;
        for (int kept : new int[] {1, 102, 486, 512, 700, 1023, 1024}) {
            long[] mask = new long[block / 64];
            int[] hits = new int[block];
            int draws = 2000;
            for (long seed = 0; seed < draws; seed++) {
                Subsets.choose(mask, kept, block, seed);
                assertThat(java.util.Arrays.stream(mask).map(Long::bitCount).sum()).as("kept %d", kept).isEqualTo(kept);
                for (int i = 0; i < block; i++) {
                    hits[i] += Subsets.contains(mask, i) ? 1 : 0;
                }
            }
            // each position is kept with probability p = kept / block: within 6 standard deviations everywhere
            double p = (double) kept / block;
            double sd = Math.sqrt(draws * p * (1 - p));
            for (int i = 0; i < block; i++) {
                assertThat((double) hits[i]).as("position %d of kept %d", i, kept).isBetween(draws * p - 6 * sd - 1e-9,
                        draws * p + 6 * sd + 1e-9);
            }
        }
        // a block smaller than a word keeps no bit above it
        long[] small = new long[1];
        Subsets.choose(small, 5, 16, 3);
        assertThat(Long.bitCount(small[0])).isEqualTo(5);
        assertThat(small[0] >>> 16).isZero();
    }

    @Test
    void fieldsAndWholeWordsOfBitsReadBackInOrder() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 3000;
        int[] width = new int[n];
        long[] value = new long[n];
        long totalBits = 0;
        for (int i = 0; i < n; i++) {
            // fields of 1 to 4 bits (as the levels), and now and then a word of 0 to 64 signs
            width[i] = r.nextInt(10) == 0 ? r.nextInt(65) : 1 + r.nextInt(4);
            value[i] = width[i] == 64 ? r.nextLong() : r.nextLong() & ((1L << width[i]) - 1);
            totalBits += width[i];
        }
        byte[] out = new byte[3 + (int) ((totalBits + 7) / 8)];
        BitWriter w = new BitWriter(out, 3);
        for (int i = 0; i < n; i++) {
            if (width[i] <= 4 && i % 2 == 0) {
                w.write((int) value[i], width[i]);
            } else {
                w.writeLong(value[i], width[i]);
            }
        }
        w.finish();
        BitReader in = new BitReader(out, 3);
        for (int i = 0; i < n; i++) {
            long got = 0;
            for (int b = 0; b < width[i]; b += 4) {
                int take = Math.min(4, width[i] - b);
                got |= (long) in.read(take) << b;
            }
            assertThat(got).as("field %d of %d bits", i, width[i]).isEqualTo(value[i]);
        }
        in.requireZeroPadding();
    }
}
