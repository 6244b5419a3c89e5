package io.cgfed.core.data;

import io.cgfed.core.protocol.ExperimentSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What one client trains and evaluates on, derived from the experiment's dataset spec. In the
 * simulated mode every worker derives the same pool from (dataset, seed), sets aside D1 (the TGAP
 * share), and takes client {@code index}'s shard of D2 under the partition scheme; in the
 * {@code local} mode a worker's training data are the files in its own directory and never leave it.
 */
public final class ClientData {
    public static final String MULTIPLE_CHOICE = "multiple-choice";
    public static final String INSTRUCTIONS = "instructions";
    public static final String LOCAL = "local";

    private ClientData() {
    }

    /**
     * A client's training shard (its share of D2), the held-out evaluation set, and its share of D1
     * (what it trains on in TGAP collection; empty without a TGAP fraction).
     */
    public record Shards<T>(List<T> train, List<T> heldOut, List<T> tgap) {
        public Shards(List<T> train, List<T> heldOut) {
            this(train, heldOut, List.of());
        }
    }

    /** Whether the dataset is instruction data (JSONL), trained on responses, not option letters. */
    public static boolean isInstructions(ExperimentSpec.Dataset d) {
        return INSTRUCTIONS.equals(d.name());
    }

    /** Checks a dataset spec without reading any data (what the coordinator can know). */
    public static void check(ExperimentSpec.Dataset d) {
        boolean local = isLocal(d);
        if (!local) {
            Partitioner.parseScheme(d.partition());
        }
        switch (d.name()) {
            case DemoTask.NAME -> { }
            case MULTIPLE_CHOICE, INSTRUCTIONS -> {
                if (d.path() == null && !local) {
                    throw new IllegalArgumentException("dataset '" + d.name() + "' needs a path (its files)");
                }
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + d.name() + "' (known: " + DemoTask.NAME
                    + ", " + MULTIPLE_CHOICE + ", " + INSTRUCTIONS + ")");
        }
    }

    /**
     * Multiple-choice data (the demo task or CSV files).
     *
     * @param localDir the worker's own data directory, for the {@code local} partition (may be null otherwise)
     */
    public static Shards<MultipleChoiceExample> forClient(ExperimentSpec.Dataset d, int clients, int client, Path localDir) {
        check(d);
        if (isInstructions(d)) {
            throw new IllegalArgumentException("dataset 'instructions' holds no multiple-choice questions");
        }
        if (d.name().equals(DemoTask.NAME)) {
            DemoTask task = new DemoTask(d.seed());
            return deal(d, clients, client, localDir, task.trainingPool(d.trainExamples()),
                    task.heldOut(d.evalExamples()), ClientData::readQuestions, MultipleChoiceExample::category);
        }
        return fromFiles(d, clients, client, localDir, ClientData::readQuestions, MultipleChoiceExample::category);
    }

    /** Instruction data: Alpaca or Dolly JSONL files under the dataset's path. */
    public static Shards<InstructionExample> instructionsForClient(ExperimentSpec.Dataset d, int clients, int client,
                                                                   Path localDir) {
        check(d);
        if (!isInstructions(d)) {
            throw new IllegalArgumentException("dataset '" + d.name() + "' is not instruction data");
        }
        return fromFiles(d, clients, client, localDir, ClientData::readInstructions, InstructionExample::category);
    }

    private static <T> Shards<T> fromFiles(ExperimentSpec.Dataset d, int clients, int client, Path localDir,
                                           Function<Path, List<T>> reader, Function<T, String> categoryOf) {
        List<T> all = d.path() == null ? List.of() : reader.apply(Path.of(d.path()));
        List<T> pool;
        List<T> heldOut;
        if (d.evalPath() != null) {
            pool = all;
            heldOut = cap(reader.apply(Path.of(d.evalPath())), d.evalExamples(), d.seed());
        } else {
            Partitioner.Split<T> s = Partitioner.split(all, Math.min(0.5, (double) d.evalExamples() / Math.max(1, all.size())),
                    d.seed() + 17);
            pool = s.d2();
            heldOut = s.d1();
        }
        return deal(d, clients, client, localDir, cap(pool, d.trainExamples(), d.seed()), heldOut, reader, categoryOf);
    }

    private static <T> Shards<T> deal(ExperimentSpec.Dataset d, int clients, int client, Path localDir, List<T> pool,
                                      List<T> heldOut, Function<Path, List<T>> reader, Function<T, String> categoryOf) {
        if (isLocal(d)) {
            if (localDir == null) {
                throw new IllegalStateException("partition 'local' needs the worker's data directory (cgfed.worker.data-dir)");
            }
            // at most trainExamples of its own (drawn by seed): what the coordinator lets one client claim
            List<T> own = cap(reader.apply(localDir), d.trainExamples(), d.seed());
            if (d.tgapFraction() > 0) {
                Partitioner.Split<T> local = Partitioner.split(own, d.tgapFraction(), d.seed());
                return new Shards<>(local.d2(), heldOut, local.d1());
            }
            return new Shards<>(own, heldOut);
        }
        if (d.tgapFraction() > 0) {
            Partitioner.Split<T> split = Partitioner.split(pool, d.tgapFraction(), d.seed());
            return new Shards<>(Partitioner.shard(d.partition(), split.d2(), categoryOf, clients, client, d.seed()), heldOut,
                    Partitioner.shard(d.partition(), split.d1(), categoryOf, clients, client, d.seed() + 1));
        }
        return new Shards<>(Partitioner.shard(d.partition(), pool, categoryOf, clients, client, d.seed()), heldOut);
    }

    /**
     * The most training examples each client of {@code clients} can have under this dataset spec, by client
     * index, from what the coordinator knows without reading any file: exact for the generated demo task
     * under a Dirichlet partition (the pool is generated and partitioned once, as {@link #forClient} deals
     * it), otherwise a bound that holds by construction: IID deals at most ceil(trainExamples / clients) to
     * each client (the pool and D2 hold at most trainExamples), a Dirichlet partition of files or a client's
     * own data ({@code local}) at most trainExamples. An update claiming more samples is refused: FedAvg
     * weighs updates by their samples.
     */
    public static long[] maxTrainExamples(ExperimentSpec.Dataset d, int clients) {
        check(d);
        long pool = d.trainExamples();
        long[] bounds = new long[clients];
        if (isLocal(d)) {
            java.util.Arrays.fill(bounds, pool);
            return bounds;
        }
        double alpha = Partitioner.parseScheme(d.partition());
        if (Double.isNaN(alpha)) {
            java.util.Arrays.fill(bounds, (pool + clients - 1) / clients);
            return bounds;
        }
        if (!d.name().equals(DemoTask.NAME)) {
            java.util.Arrays.fill(bounds, pool);
            return bounds;
        }
        List<MultipleChoiceExample> all = new DemoTask(d.seed()).trainingPool(d.trainExamples());
        List<MultipleChoiceExample> shared = d.tgapFraction() > 0 ? Partitioner.split(all, d.tgapFraction(), d.seed()).d2() : all;
        List<List<MultipleChoiceExample>> shards = Partitioner.dirichletShards(shared, MultipleChoiceExample::category,
                clients, alpha, d.seed());
        for (int c = 0; c < clients; c++) {
            bounds[c] = shards.get(c).size();
        }
        return bounds;
    }

    private static boolean isLocal(ExperimentSpec.Dataset d) {
        return LOCAL.equals(d.partition().strip().toLowerCase(Locale.ROOT));
    }

    private static List<MultipleChoiceExample> readQuestions(Path dirOrFile) {
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

    /** A JSONL (or JSON array) file, or every {@code .jsonl}/{@code .json} file of a directory in name order. */
    private static List<InstructionExample> readInstructions(Path dirOrFile) {
        try {
            if (!Files.isDirectory(dirOrFile)) {
                return InstructionJsonl.read(dirOrFile);
            }
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(dirOrFile, "*.{jsonl,json}")) {
                dir.forEach(files::add);
            }
            files.sort(null);
            List<InstructionExample> out = new ArrayList<>();
            for (Path f : files) {
                out.addAll(InstructionJsonl.read(f));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dirOrFile + ": " + e.getMessage(), e);
        }
    }

    private static <T> List<T> cap(List<T> examples, int max, long seed) {
        if (examples.size() <= max) {
            return examples;
        }
        return Partitioner.split(examples, 1.0 - (double) max / examples.size(), seed + 31).d2();
    }
}
