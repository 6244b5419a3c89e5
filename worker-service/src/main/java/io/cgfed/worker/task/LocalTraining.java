package io.cgfed.worker.task;

import io.cgfed.core.data.ClientData;
import io.cgfed.core.data.InstructionExample;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.train.LocalTrainer;
import io.cgfed.core.train.TrainingConfig;
import io.cgfed.worker.model.ModelHost;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Local training from whatever adapter the model holds, on this client's D2 shard or (TGAP) its D1 share,
 * once the worker's memory budget has room for the shard's longest sequence ({@link TaskMemory}).
 */
@Component
class LocalTraining {
    private final ModelHost models;
    private final ClientShards shards;
    private final TaskMemory memory;

    LocalTraining(ModelHost models, ClientShards shards, TaskMemory memory) {
        this.models = models;
        this.shards = shards;
        this.memory = memory;
    }

    /** What local training produced, and on how many examples. */
    record Result(LocalTrainer.TrainingResult training, int samples) {
    }

    Result train(ExperimentSpec spec, LlamaModel model, int client, long seed, boolean tgap) {
        ExperimentSpec.Training t = spec.training();
        int cap = t.sequenceCap(model.config().maxPositionEmbeddings());
        TrainingConfig config = new TrainingConfig(t.localSteps(), t.batchSize(), t.microBatchSize(), t.learningRate(),
                t.warmupSteps(), t.weightDecay(), t.maxGradNorm(), seed, models.checkpointing(spec), cap, t.proximalMu());
        LocalTrainer trainer = new LocalTrainer(models.tokenizer(spec));
        if (ClientData.isInstructions(spec.dataset())) {
            var data = shards.instructions(spec, client);
            List<InstructionExample> shard = tgap ? data.tgap() : data.train();
            requireData(shard, tgap, client);
            memory.require(spec, trainer.longestInstructionSequence(shard, cap));
            return new Result(trainer.trainInstructions(model, shard, config), shard.size());
        }
        var data = shards.questions(spec, client);
        List<MultipleChoiceExample> shard = tgap ? data.tgap() : data.train();
        requireData(shard, tgap, client);
        memory.require(spec, trainer.longestSequence(shard, cap));
        return new Result(trainer.train(model, shard, config), shard.size());
    }

    private static void requireData(List<?> shard, boolean tgap, int client) {
        if (shard.isEmpty()) {
            throw new IllegalStateException("client " + client + " has no " + (tgap ? "D1 (TGAP) data: raise dataset.tgapFraction"
                    : "training data"));
        }
    }
}
