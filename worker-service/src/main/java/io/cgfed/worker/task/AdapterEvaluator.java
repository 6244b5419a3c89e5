package io.cgfed.worker.task;

import io.cgfed.core.data.ClientData;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.protocol.EvaluationReport;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.train.Evaluator;
import io.cgfed.worker.WorkerProperties;
import io.cgfed.worker.client.CoordinatorClient;
import io.cgfed.worker.model.ModelHost;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** An EVALUATE task's work: the task's adapter scored on this client's held-out set. */
@Component
class AdapterEvaluator {
    private static final Logger log = LoggerFactory.getLogger(AdapterEvaluator.class);
    private final CoordinatorClient coordinator;
    private final ModelHost models;
    private final ClientShards shards;
    private final WorkerProperties properties;

    AdapterEvaluator(CoordinatorClient coordinator, ModelHost models, ClientShards shards, WorkerProperties properties) {
        this.coordinator = coordinator;
        this.models = models;
        this.shards = shards;
        this.properties = properties;
    }

    EvaluationReport evaluate(TaskMessage task) {
        ExperimentSpec spec = task.spec();
        LlamaModel model = models.model(spec);
        model.loadAdapter(SafeTensors.read(coordinator.adapter(task.experimentId(), task.adapterVersion(),
                TaskRunner.patience(task))));
        Evaluator evaluator = new Evaluator(properties.evalBatchSize(), models.tokenizer(spec),
                spec.training().sequenceCap(model.config().maxPositionEmbeddings()));
        Evaluator.EvalResult r = ClientData.isInstructions(spec.dataset())
                ? evaluator.evaluateInstructions(model, shards.instructions(spec, task.clientIndex()).heldOut())
                : evaluator.evaluate(model, shards.questions(spec, task.clientIndex()).heldOut());
        log.info("experiment {} adapter version {}: eval loss {}, accuracy {}", task.experimentId(),
                task.adapterVersion(), fmt(r.loss()), fmt(r.accuracy()));
        return new EvaluationReport(r.loss(), r.perplexity(), Double.isNaN(r.accuracy()) ? null : r.accuracy(),
                r.accuracyByCategory(), r.examples(), r.examplesByCategory());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
