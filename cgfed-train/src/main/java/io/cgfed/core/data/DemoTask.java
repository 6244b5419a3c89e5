package io.cgfed.core.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A generated multiple-choice task in four C-Eval-like categories, deterministic under its seed.
 *
 * <p>A prompt names the category, two random filler letters and a key: {@code "STEM QX k:"}. The
 * 24 keys ({@code a}-{@code x}) are shared by the four categories, and a hidden table maps every
 * (category, key) pair to its answer letter: 96 facts, the same key meaning different answers
 * under different category tags. Each category's column of the table is balanced (six keys per
 * letter), so the tag alone says nothing about the answer; the key alone says only a little (a
 * key's four answers are drawn independently), so a model has to attend to both tokens. The fillers
 * make held-out prompts new sequences, so the held-out set measures the facts learnt, not memorised
 * strings.
 *
 * <p>Difficulty, measured with the tiny-llama (2 layers, hidden 64, LoRA r8 on q,k,v,o; AdamW at
 * lr 0.01, batch 16, no warm-up, 300 training examples, 200 held out; dataset seeds 1, 2, 3, 7, 8):
 * untuned 0.22-0.28 (chance is 0.25); after 100 steps 0.33-0.47, after 200 steps 0.57-0.64, after
 * 300 steps 0.66-0.74 held-out accuracy (training-set accuracy 0.92-0.98). The demo federation (3
 * clients of 200 examples, 100 local steps per round, FedAvg) reaches about 0.5 after two rounds and
 * 0.6 after three. The earlier version (36 keys, answer a function of the key alone) reached 1.0
 * within 200 steps, too easy to tell codecs apart.
 */
public final class DemoTask {
    public static final String NAME = "demo-mc";
    public static final List<String> CATEGORIES = SubjectGroups.GROUPS;
    private static final String[] CATEGORY_TAGS = {"STEM", "SOC", "HUM", "OTH"};
    /** Keys shared by all categories. */
    static final String KEYS = "abcdefghijklmnopqrstuvwx";
    private static final String FILLER = "EFGHIJKLMNOPQRSTUVWXYZ";
    private static final int OPTIONS = 4;

    /** answer[category][key]. */
    private final int[][] answer = new int[CATEGORY_TAGS.length][KEYS.length()];
    private final long seed;

    public DemoTask(long seed) {
        this.seed = seed;
        SplittableRandom random = new SplittableRandom(seed);
        // per category: each letter for KEYS/4 keys, in a seeded order (independent across categories)
        for (int[] column : answer) {
            for (int k = 0; k < column.length; k++) {
                column[k] = k % OPTIONS;
            }
            for (int i = column.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = column[i];
                column[i] = column[j];
                column[j] = t;
            }
        }
    }

    /** {@code count} examples drawn with the given stream seed (train and held-out use different ones). */
    public List<MultipleChoiceExample> sample(int count, long streamSeed) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + streamSeed);
        List<MultipleChoiceExample> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            int category = random.nextInt(CATEGORY_TAGS.length);
            int key = random.nextInt(KEYS.length());
            String filler = "" + FILLER.charAt(random.nextInt(FILLER.length()))
                    + FILLER.charAt(random.nextInt(FILLER.length()));
            String prompt = CATEGORY_TAGS[category] + " " + filler + " " + KEYS.charAt(key) + ":";
            out.add(new MultipleChoiceExample(CATEGORIES.get(category), prompt, answer[category][key], OPTIONS));
        }
        return out;
    }

    /** The training pool that partitioning splits across clients. */
    public List<MultipleChoiceExample> trainingPool(int count) {
        return sample(count, 1);
    }

    /** The held-out evaluation set, never seen in training. */
    public List<MultipleChoiceExample> heldOut(int count) {
        return sample(count, 2);
    }
}
