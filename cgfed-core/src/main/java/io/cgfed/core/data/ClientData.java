package io.cgfed.core.data;

import io.cgfed.core.protocol.ExperimentSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one client trains and evaluates on, derived from the experiment's dataset spec. In the
 * simulated mode every worker derives the same pool from (dataset, seed), sets aside D1 (the TGAP
 * share), and takes client {@code index}'s shard of D2 under the partition scheme; in the
 * {@code local} mode a worker's training data are the files in its own directory and never leave it.
 */
public final class ClientData {
    public static final String MULTIPLE_CHOICE = "multiple-choice";
    public static final String LOCAL = "local";

    private ClientData() {
    }

    /** A client's training shard and the held-out evaluation set. */
    public record Shards(List<MultipleChoiceExample> train, List<MultipleChoiceExample> heldOut) {
    }

    /** Checks a dataset spec without reading any data (what the coordinator can know). */
    public static void check(ExperimentSpec.Dataset d) {
        String partition = d.partition().strip().toLowerCase(Locale.ROOT);
        if (!partition.equals(LOCAL)) {
            Partitioner.parseScheme(partition);
        }
        switch (d.name()) {
            case DemoTask.NAME -> { }
            case MULTIPLE_CHOICE -> {
                if (d.path() == null && !partition.equals(LOCAL)) {
                    throw new IllegalArgumentException("dataset 'multiple-choice' needs a path (a directory of CSV files)");
                }
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + d.name() + "' (known: " + DemoTask.NAME
                    + ", " + MULTIPLE_CHOICE + ")");
        }
    }

    /**
     * @param localDir the worker's own data directory, for the {@code local} partition (may be null otherwise)
     */
    public static Shards forClient(ExperimentSpec.Dataset d, int clients, int client, Path localDir) {
        check(d);
        List<MultipleChoiceExample> pool;
        List<MultipleChoiceExample> heldOut;
        boolean local = LOCAL.equalsIgnoreCase(d.partition().strip());
        if (d.name().equals(DemoTask.NAME)) {
            DemoTask task = new DemoTask(d.seed());
            pool = task.trainingPool(d.trainExamples());
            heldOut = task.heldOut(d.evalExamples());
        } else {
            List<MultipleChoiceExample> all = d.path() == null ? List.of() : read(Path.of(d.path()));
            if (d.evalPath() != null) {
                pool = all;
                heldOut = cap(read(Path.of(d.evalPath())), d.evalExamples(), d.seed());
            } else {
                Partitioner.Split<MultipleChoiceExample> s = Partitioner.split(all,
                        Math.min(0.5, (double) d.evalExamples() / Math.max(1, all.size())), d.seed() + 17);
                pool = s.d2();
                heldOut = s.d1();
            }
            pool = cap(pool, d.trainExamples(), d.seed());
        }
        if (local) {
            if (localDir == null) {
                throw new IllegalStateException("partition 'local' needs the worker's data directory (cgfed.worker.data-dir)");
            }
            return new Shards(read(localDir), heldOut);
        }
        List<MultipleChoiceExample> d2 = d.tgapFraction() > 0 ? Partitioner.split(pool, d.tgapFraction(), d.seed()).d2() : pool;
        return new Shards(Partitioner.shard(d.partition(), d2, MultipleChoiceExample::category, clients, client, d.seed()),
                heldOut);
    }

    private static List<MultipleChoiceExample> read(Path dirOrFile) {
        try {
            List<MultipleChoiceQuestion> questions = Files.isDirectory(dirOrFile)
                    ? MultipleChoiceCsv.readDirectory(dirOrFile) : MultipleChoiceCsv.read(dirOrFile);
            List<MultipleChoiceExample> out = new ArrayList<>(questions.size());
            for (MultipleChoiceQuestion q : questions) {
                out.add(q.toExample());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dirOrFile + ": " + e.getMessage(), e);
        }
    }

    private static List<MultipleChoiceExample> cap(List<MultipleChoiceExample> examples, int max, long seed) {
        if (examples.size() <= max) {
            return examples;
        }
        return Partitioner.split(examples, 1.0 - (double) max / examples.size(), seed + 31).d2();
    }
}
