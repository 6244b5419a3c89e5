package io.cgfed.worker.task;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.PayloadHeader;
import io.cgfed.core.codec.UpdatePayload;
import io.cgfed.core.codec.cgae.CgaeSettings;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.Seeds;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.worker.client.CoordinatorClient;
import io.cgfed.worker.model.ModelHost;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A COLLECT task's work, TGAP collection: from the task's adapter, {@code collectRounds} rounds of local
 * training on this client's D1 share, each continuing from the last; one uncompressed snapshot of each
 * round's increment (the same kind of object FAF encodes), as a CGFB batch.
 */
@Component
class SnapshotCollector {
    private static final Logger log = LoggerFactory.getLogger(SnapshotCollector.class);
    private final CoordinatorClient coordinator;
    private final ModelHost models;
    private final LocalTraining training;

    SnapshotCollector(CoordinatorClient coordinator, ModelHost models, LocalTraining training) {
        this.coordinator = coordinator;
        this.models = models;
        this.training = training;
    }

    byte[] collect(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        CgaeSettings settings = CgaeSettings.of(spec.codec().settings());
        LlamaModel model = models.model(spec);
        NamedTensors start = SafeTensors.read(coordinator.adapter(task.experimentId(), task.adapterVersion(),
                TaskRunner.patience(task)));
        model.loadAdapter(start);
        Codec none = Codecs.create("none", null);
        List<byte[]> snapshots = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int step = 1; step <= settings.collectRounds(); step++) {
            long seed = Seeds.collectionStep(spec.seed(), step, task.clientIndex());
            LocalTraining.Result local = training.train(spec, model, task.clientIndex(), seed, true);
            NamedTensors now = model.adapter();
            NamedTensors increment = io.cgfed.core.model.LoraAdapter.sent(now.minus(start), model.loraConfig());
            start = now;
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("step", (double) step);
            metrics.put("trainLoss", local.training().meanLoss());
            metrics.put("updateNorm", UpdateMeasurement.norm(increment));
            PayloadHeader header = new PayloadHeader(task.experimentId().toString(), task.round(), task.clientIndex(),
                    none.name(), 0, local.samples(), TensorSpec.manifestOf(increment), metrics);
            // uncompressed by design, so format 1: the manifest in its header teaches the codec-service the layout
            snapshots.add(new UpdatePayload(header, none.encode(increment)).toBytesV1());
        }
        log.info("experiment {} client {}: TGAP collected {} snapshots in {} ms", task.experimentId(), task.clientIndex(),
                snapshots.size(), (System.nanoTime() - t0) / 1_000_000);
        return PayloadBatch.write(snapshots);
    }
}
