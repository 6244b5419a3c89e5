package io.cgfed.coordinator.security;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Reads are open in these tests (the default), yet a global adapter, its PEFT zip and codec weights need a
 * credential: an adapter can leak training text, so its own switch (cgfed.security.open-weight-reads,
 * default false) opens it, not open reads.
 */
class WeightsNeedCredentialsTest extends CoordinatorApiTestBase {

    @Test
    void adaptersNeedAKeyOrAWorkerCredentialWhileTheExperimentIsReadableByAnyone() {
        Running run = startExperiment(spec("weights-closed"), 2);
        String adapter = "/api/v1/experiments/" + run.id() + "/adapters/0";
        assertStatus(get("/api/v1/experiments/" + run.id()), 200);
        for (String path : new String[] {adapter, adapter + "/peft", "/api/v1/experiments/" + run.id() + "/codec-versions/1/encoder"}) {
            HttpResponse<String> anonymous = send(HttpRequest.newBuilder(URI.create(base() + path)).GET());
            assertThat(assertProblem(anonymous, 401).get("detail").asString()).as(path).contains("open-weight-reads");
        }
        HttpResponse<byte[]> withKey = getBytes(adapter);
        assertStatus(withKey, 200);
        assertThat(withKey.body()).isNotEmpty();
        UUID worker = run.workers().get(0);
        HttpResponse<byte[]> asWorker = sendBytes(asWorker(HttpRequest.newBuilder(URI.create(base() + adapter)).GET(), worker));
        assertStatus(asWorker, 200);
        assertThat(asWorker.body()).isEqualTo(withKey.body());
    }
}
