package io.cgfed.core.bench;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.data.ClientData;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.train.Evaluator;
import io.cgfed.core.train.LocalTrainer;
import io.cgfed.core.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A federation simulated in one process, with the calls a worker makes for a TRAIN task (load the
 * global adapter, train on the client's shard, update = local - global) and an EVALUATE task. One
 * model serves every client in turn. Everything is seeded by the run's seed, and a client's training
 * seed depends only on (seed, round, client), as in the worker, so that runs which differ only in the
 * codec train from the same random streams.
 */
final class Federation implements AutoCloseable {
    private final CodecBenchSettings settings;
    private final long seed;
    private final NDManager manager;
    private final LlamaModel model;
    private final LocalTrainer trainer;
    private final Evaluator evaluator;
    private final List<List<MultipleChoiceExample>> shards = new ArrayList<>();
    private final List<MultipleChoiceExample> heldOut;
    private final NamedTensors initialAdapter;

    Federation(CodecBenchSettings settings, long seed) {
        this.settings = settings;
        this.seed = seed;
        LoraConfig lora = new LoraConfig(settings.rank(), 2.0 * settings.rank(),
                List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.O));
        ModelCatalog.Resolved resolved = ModelCatalog.resolve(settings.model(), 1 + seed);
        this.manager = NDManager.newBaseManager();
        this.model = new LlamaModel(manager, resolved.config(), resolved.weights(), lora);
        this.trainer = new LocalTrainer(ModelCatalog.tokenizer(settings.model()));
        this.evaluator = new Evaluator(100, ModelCatalog.tokenizer(settings.model()));
        ExperimentSpec.Dataset data = new ExperimentSpec.Dataset(DemoTask.NAME, 7 + seed,
                settings.examplesPerClient() * settings.clients(), settings.evalExamples(), settings.partition());
        List<MultipleChoiceExample> eval = null;
        for (int c = 0; c < settings.clients(); c++) {
            ClientData.Shards<MultipleChoiceExample> s = ClientData.forClient(data, settings.clients(), c, null);
            shards.add(s.train());
            eval = s.heldOut();
        }
        this.heldOut = eval;
        this.initialAdapter = LoraAdapter.initialise(resolved.config(), lora, 1000 + seed);
    }

    NamedTensors initialAdapter() {
        return initialAdapter.copy();
    }

    int clients() {
        return shards.size();
    }

    /** The client's shard size: its FedAvg weight. */
    int samples(int client) {
        return shards.get(client).size();
    }

    /** One client's local training from the global adapter in a round. */
    record Trained(NamedTensors update, double trainLoss) {
    }

    Trained train(NamedTensors global, int round, int client) {
        model.loadAdapter(global);
        long taskSeed = io.cgfed.core.protocol.Seeds.task(seed, round, client);
        TrainingConfig config = new TrainingConfig(settings.localSteps(), settings.batchSize(), settings.learningRate(),
                0, 0.0, 1.0, taskSeed);
        LocalTrainer.TrainingResult r = trainer.train(model, shards.get(client), config);
        return new Trained(model.adapter().minus(global), r.meanLoss());
    }

    Evaluator.EvalResult evaluate(NamedTensors adapter) {
        model.loadAdapter(adapter);
        return evaluator.evaluate(model, heldOut);
    }

    @Override
    public void close() {
        model.close();
        manager.close();
    }
}
