package io.cgfed.codec.versions;

import io.cgfed.codec.CodecServiceProperties;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.PayloadBatch;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.codec.UpdateDecoder;
import io.cgfed.core.codec.cgae.CgaeCodec;
import io.cgfed.core.codec.cgae.CgaeSettings;
import io.cgfed.core.codec.cgae.CgaeTraining;
import io.cgfed.core.codec.cgae.CodecModel;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorFormatException;
import io.cgfed.service.support.ApiException;
import io.cgfed.service.support.InvalidFieldException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.databind.ObjectMapper;

/**
 * Codec versions: TGAP training of version 1 from a collection of update snapshots (checked and
 * stored here, trained in the background by {@link TgapTraining}), FAF adaptation to the next version
 * from the clients' contributions, and the trained models that decode learned payloads (kept in
 * memory by {@link CodecModels}).
 */
@Service
public class CodecVersionService {
    private static final Logger log = LoggerFactory.getLogger(CodecVersionService.class);
    private final CodecVersionStore store;
    private final CodecServiceProperties properties;
    private final ObjectMapper json;
    private final TgapTraining training;
    private final CodecModels models;

    CodecVersionService(CodecVersionStore store, CodecServiceProperties properties, ObjectMapper json,
                        TgapTraining training, CodecModels models) {
        this.store = store;
        this.properties = properties;
        this.json = json;
        this.training = training;
        this.models = models;
    }

    /** What a TGAP request names: the codec and its settings. */

    /**
     * Starts TGAP: version 1 of the experiment's codec, trained on {@code snapshots} (a CGFB batch of
     * uncompressed CGFU payloads, one per snapshot: client index in the header, collection step in
     * metric {@code step}). Everything is checked before anything is stored. Asking again returns
     * the version that exists.
     *
     * @return the version and whether this call created it
     */
    public Created startTgap(UUID experimentId, io.cgfed.core.protocol.CodecVersionView.TgapRequest request, byte[] snapshots) {
        var existing = store.find(experimentId, 1);
        if (existing.isPresent()) {
            return new Created(existing.get(), false);
        }
        if (request == null || request.codec() == null || !Codecs.learned(request.codec())) {
            throw new InvalidFieldException("codec", "TGAP trains a learned codec (" + Codecs.learnedNames() + "), got "
                    + (request == null ? null : request.codec()));
        }
        CgaeSettings settings;
        try {
            settings = CgaeSettings.of(request.settings());
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("settings", e.getMessage());
        }
        List<CgaeTraining.Sample> samples = TgapSnapshots.parse(experimentId, snapshots, properties.maxPayloadsPerRound());
        Instant now = Instant.now();
        CodecVersionStore.Row row = new CodecVersionStore.Row(experimentId, 1, request.codec(), settings.architecture(),
                json.writeValueAsString(settings.asMap()), "TGAP", null, "TRAINING", null, null, null, samples.size(), null,
                null, now, null);
        if (!store.insertTraining(row, snapshots)) {
            return new Created(store.find(experimentId, 1).orElseThrow(), false);
        }
        log.info("codec {} v1: TGAP training on {} snapshots ({})", experimentId, samples.size(), settings.architecture());
        training.submit(experimentId, 1);
        return new Created(row, true);
    }

    public record Created(CodecVersionStore.Row row, boolean created) {
    }

    /**
     * FAF: version {@code from + 1}, adapted from {@code from} with the clients' contributions (a CGFB
     * batch of safetensors files). Asking again returns the version that exists.
     */
    public Created adapt(UUID experimentId, int from, byte[] contributionBatch) {
        var existing = store.find(experimentId, from + 1);
        if (existing.isPresent()) {
            return new Created(existing.get(), false);
        }
        CodecModel model = readyModel(experimentId, from);
        List<NamedTensors> contributions = new ArrayList<>();
        List<byte[]> parts = PayloadBatch.read(contributionBatch, properties.maxPayloadsPerRound());
        if (parts.isEmpty()) {
            throw ApiException.badRequest("FAF adaptation needs at least one contribution");
        }
        for (int i = 0; i < parts.size(); i++) {
            try {
                contributions.add(SafeTensors.read(parts.get(i)));
            } catch (TensorFormatException e) {
                throw new PayloadFormatException("contribution " + i + ": " + e.getMessage());
            }
        }
        return publish(experimentId, from, model, contributions, "clients");
    }

    /**
     * FAF from the server's side: version {@code from + 1}, refitted on the updates decoded from a
     * round's payloads (a CGFB batch, all encoded with version {@code from}); the clients upload nothing
     * more. New directions reach the codec only through what a payload carries beyond the latent (the
     * residual channel). Asking again returns the version that exists.
     */
    public Created refit(UUID experimentId, int from, byte[] payloadBatch) {
        var existing = store.find(experimentId, from + 1);
        if (existing.isPresent()) {
            return new Created(existing.get(), false);
        }
        CodecModel model = readyModel(experimentId, from);
        List<byte[]> payloads = PayloadBatch.read(payloadBatch, properties.maxPayloadsPerRound());
        if (payloads.isEmpty()) {
            throw ApiException.badRequest("a server-side refit needs at least one payload");
        }
        List<NamedTensors> contributions = new ArrayList<>();
        for (int i = 0; i < payloads.size(); i++) {
            UpdateDecoder.DecodedUpdate d;
            try {
                d = UpdateDecoder.decode(payloads.get(i), model.manifest(), resolver());
            } catch (PayloadFormatException e) {
                throw new PayloadFormatException("payload " + i + ": " + e.getMessage());
            }
            if (!d.header().experimentId().equals(experimentId.toString()) || !Codecs.learned(d.header().codec())
                    || d.header().codecVersion() != from) {
                throw new PayloadFormatException("payload " + i + " was not encoded with codec version " + from
                        + " of experiment " + experimentId);
            }
            contributions.add(model.contribution(d.update()));
        }
        return publish(experimentId, from, model, contributions, "server");
    }

    private CodecModel readyModel(UUID experimentId, int from) {
        CodecVersionStore.Row parent = find(experimentId, from);
        if (!"READY".equals(parent.status())) {
            throw ApiException.conflict("codec version " + from + " is " + parent.status() + ": it cannot be adapted");
        }
        return model(experimentId, from);
    }

    private Created publish(UUID experimentId, int from, CodecModel model, List<NamedTensors> contributions, String source) {
        CodecVersionStore.Row parent = find(experimentId, from);
        CodecModel next;
        try {
            next = model.withAutoencoder(model.autoencoder().adapt(contributions, model.settings()));
        } catch (IllegalArgumentException e) {
            throw new PayloadFormatException("contributions: " + e.getMessage());
        }
        byte[] weights = next.toBytes();
        Map<String, Object> quality = new LinkedHashMap<>();
        quality.put("adaptedFrom", source);
        quality.put("contributions", contributions.size());
        Instant now = Instant.now();
        CodecVersionStore.Row row = new CodecVersionStore.Row(experimentId, from + 1, parent.codec(), parent.architecture(),
                parent.settings(), "FAF", from, "READY", null, json.writeValueAsString(quality), null, 0,
                (long) weights.length, sha256(weights), now, now);
        if (!store.insertReady(row, weights)) {
            return new Created(store.find(experimentId, from + 1).orElseThrow(), false);
        }
        models.put(experimentId, from + 1, next);
        log.info("codec {} v{}: adapted from v{} with {} contributions ({})", experimentId, from + 1, from,
                contributions.size(), source);
        return new Created(row, true);
    }

    public CodecVersionStore.Row find(UUID experimentId, int version) {
        return store.find(experimentId, version).orElseThrow(() -> ApiException.notFound(
                "codec version " + version + " of experiment " + experimentId));
    }

    public List<CodecVersionStore.Row> list(UUID experimentId) {
        return store.list(experimentId);
    }

    /** The stored model file (safetensors) of a READY version. */
    public byte[] weights(UUID experimentId, int version) {
        CodecVersionStore.Row row = find(experimentId, version);
        byte[] w = store.weights(experimentId, version);
        if (w == null) {
            throw ApiException.conflict("codec version " + version + " is " + row.status() + ": it has no weights yet");
        }
        return w;
    }

    public CodecModel model(UUID experimentId, int version) {
        CodecModel cached = models.get(experimentId, version);
        if (cached != null) {
            return cached;
        }
        CodecModel m = CodecModel.read(weights(experimentId, version));
        models.put(experimentId, version, m);
        return m;
    }

    /**
     * The layout a version 2 payload of a learned codec names: the layout of the codec version it was
     * encoded with (a stateless codec's payload has no version here, so no layout).
     */
    public io.cgfed.core.codec.UpdatePayload.Layouts layouts() {
        return (experimentId, version, digest) -> {
            UUID experiment;
            try {
                experiment = UUID.fromString(experimentId);
            } catch (IllegalArgumentException e) {
                return null;
            }
            var row = store.find(experiment, version);
            if (row.isEmpty() || !"READY".equals(row.get().status())) {
                throw new PayloadFormatException("payload names codec version " + version + " of experiment " + experiment
                        + ", which is " + row.map(CodecVersionStore.Row::status).orElse("unknown")
                        + ": its tensor layout cannot be found");
            }
            List<TensorSpec> manifest = model(experiment, version).manifest();
            return TensorSpec.layoutDigest(manifest) == digest ? manifest : null;
        };
    }

    /** Resolves learned payloads to their codec version; stateless codecs by name. */
    public UpdateDecoder.CodecResolver resolver() {
        return h -> {
            if (!Codecs.learned(h.codec())) {
                return UpdateDecoder.STATELESS.resolve(h);
            }
            UUID experiment;
            try {
                experiment = UUID.fromString(h.experimentId());
            } catch (IllegalArgumentException e) {
                throw new PayloadFormatException("payload experiment '" + h.experimentId() + "' is not a UUID");
            }
            var row = store.find(experiment, h.codecVersion());
            if (row.isEmpty() || !"READY".equals(row.get().status())) {
                throw new PayloadFormatException("payload names codec version " + h.codecVersion() + " of experiment "
                        + experiment + ", which is " + row.map(CodecVersionStore.Row::status).orElse("unknown"));
            }
            return new CgaeCodec(model(experiment, h.codecVersion()));
        };
    }

    static String sha256(byte[] bytes) {
        return io.cgfed.core.util.Digests.sha256Hex(bytes);
    }
}
