package io.cgfed.worker.task;

import io.cgfed.core.data.ClientData;
import io.cgfed.core.data.InstructionExample;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.util.LruCache;
import io.cgfed.worker.WorkerProperties;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * This client's data: its shard derived from the spec (simulated), or the worker's own files (local), read
 * and dealt once, not on every round's task (a few recent ones kept).
 */
@Component
class ClientShards {
    private final WorkerProperties properties;
    private final LruCache<String, ClientData.Shards<?>> shardCache = new LruCache<>(8);

    ClientShards(WorkerProperties properties) {
        this.properties = properties;
    }

    @SuppressWarnings("unchecked")
    ClientData.Shards<MultipleChoiceExample> questions(ExperimentSpec spec, int client) {
        return (ClientData.Shards<MultipleChoiceExample>) cached(spec, client,
                () -> ClientData.forClient(spec.dataset(), spec.clients(), client, dataDir()));
    }

    @SuppressWarnings("unchecked")
    ClientData.Shards<InstructionExample> instructions(ExperimentSpec spec, int client) {
        return (ClientData.Shards<InstructionExample>) cached(spec, client,
                () -> ClientData.instructionsForClient(spec.dataset(), spec.clients(), client, dataDir()));
    }

    private ClientData.Shards<?> cached(ExperimentSpec spec, int client, Supplier<ClientData.Shards<?>> load) {
        String key = spec.dataset() + "/" + spec.clients() + "/" + client + "/" + dataDir();
        return shardCache.computeIfAbsent(key, k -> load.get());
    }

    private Path dataDir() {
        String dir = properties.dataDir();
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }

    /** This client's share of the training pool in the simulated mode: derived, never sent. */
    static List<MultipleChoiceExample> shard(ExperimentSpec spec, int client) {
        return ClientData.forClient(spec.dataset(), spec.clients(), client, null).train();
    }
}
