package io.cgfed.coordinator.round;

import io.cgfed.coordinator.worker.Worker;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Which worker acts as which client. In the simulated mode a worker derives a client's shard from
 * (dataset, client index, seed), so one worker may serve several clients: they are dealt
 * round-robin over the live workers when the experiment starts. A client whose worker stops
 * answering is bound to a live one ({@link TaskReassigner}).
 */
@Component
public class ClientAssignments {
    private final EntityManager em;

    ClientAssignments(EntityManager em) {
        this.em = em;
    }

    public void bind(UUID experimentId, int clients, List<Worker> workers) {
        for (int c = 0; c < clients; c++) {
            em.createNativeQuery("INSERT INTO experiment_clients (experiment_id, client_index, worker_id) VALUES (?, ?, ?)")
                    .setParameter(1, experimentId)
                    .setParameter(2, c)
                    .setParameter(3, workers.get(c % workers.size()).getId())
                    .executeUpdate();
        }
    }

    /** The client is served by {@code workerId} from now on (its worker stopped answering). */
    public void rebind(UUID experimentId, int client, UUID workerId) {
        em.createNativeQuery("UPDATE experiment_clients SET worker_id = ? WHERE experiment_id = ? AND client_index = ?")
                .setParameter(1, workerId)
                .setParameter(2, experimentId)
                .setParameter(3, client)
                .executeUpdate();
    }

    public UUID workerOf(UUID experimentId, int client) {
        Object id = em.createNativeQuery("SELECT worker_id FROM experiment_clients WHERE experiment_id = ? AND client_index = ?")
                .setParameter(1, experimentId)
                .setParameter(2, client)
                .getSingleResult();
        return id instanceof UUID u ? u : UUID.fromString(id.toString());
    }
}
