package io.cgfed.registry.compare;

import io.cgfed.core.protocol.ExperimentRecord;
import io.cgfed.registry.experiment.ExperimentRecords;
import io.cgfed.core.protocol.RoundRecord;
import io.cgfed.registry.round.RoundView;
import io.cgfed.service.support.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Several experiments side by side: quality reached against bytes spent. */
@RestController
@RequestMapping("/api/v1/compare")
public class CompareController {
    static final int MAX_IDS = 100;
    static final MediaType CSV = MediaType.parseMediaType("text/csv;charset=UTF-8");
    private final ExperimentRecords records;

    CompareController(ExperimentRecords records) {
        this.records = records;
    }

    @Operation(summary = "Compare experiments",
            description = "One line per experiment, in the order asked: final eval loss and accuracy, best accuracy, "
                    + "upload bytes, their ratio to fp32, mean reconstruction cosine and SNR, codec, rounds. JSON, or "
                    + "CSV with Accept: text/csv or format=csv. Unknown ids are a 404 naming them.")
    @GetMapping(produces = {MediaType.APPLICATION_JSON_VALUE, "text/csv"})
    public ResponseEntity<?> compare(
            @Parameter(description = "experiment ids, comma-separated") @RequestParam(required = false) String ids,
            @Parameter(description = "json or csv (else the Accept header decides)") @RequestParam(required = false)
            String format,
            @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) {
        boolean csv = csv(format, accept);
        List<Comparison> rows = compare(parse(ids));
        if (!csv) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(rows);
        }
        StringBuilder out = new StringBuilder(Comparison.CSV_HEADER).append("\r\n");
        rows.forEach(r -> out.append(r.csv()).append("\r\n"));
        return ResponseEntity.ok().contentType(CSV)
                .header(HttpHeaders.CONTENT_DISPOSITION, "inline; filename=\"comparison.csv\"")
                .body(out.toString());
    }

    private static boolean csv(String format, String accept) {
        if (format != null) {
            return switch (format.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "csv" -> true;
                case "json" -> false;
                default -> throw ApiException.badRequest("format must be json or csv, not '" + format + "'");
            };
        }
        if (accept == null) {
            return false;
        }
        try {
            List<MediaType> types = MediaType.parseMediaTypes(accept);
            org.springframework.util.MimeTypeUtils.sortBySpecificity(types);
            for (MediaType t : types) {
                if (t.isCompatibleWith(MediaType.APPLICATION_JSON) && !t.isWildcardType()) {
                    return false;
                }
                if (t.getType().equals("text") && t.getSubtype().equals("csv")) {
                    return true;
                }
            }
        } catch (org.springframework.util.InvalidMimeTypeException | org.springframework.http.InvalidMediaTypeException e) {
            throw ApiException.badRequest("the Accept header cannot be read: " + accept);
        }
        return false;
    }

    static List<UUID> parse(String ids) {
        if (ids == null || ids.isBlank()) {
            throw ApiException.badRequest("ids is required: the experiments to compare, comma-separated");
        }
        Set<UUID> out = new LinkedHashSet<>();
        for (String part : ids.split(",")) {
            String s = part.strip();
            if (s.isEmpty()) {
                continue;
            }
            try {
                out.add(UUID.fromString(s));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("ids: '" + s + "' is not an experiment id (a UUID)");
            }
        }
        if (out.isEmpty()) {
            throw ApiException.badRequest("ids is required: the experiments to compare, comma-separated");
        }
        if (out.size() > MAX_IDS) {
            throw ApiException.badRequest("ids: at most " + MAX_IDS + " experiments at once, not " + out.size());
        }
        return new ArrayList<>(out);
    }

    List<Comparison> compare(List<UUID> ids) {
        List<ExperimentRecord> found = new ArrayList<>();
        List<UUID> unknown = new ArrayList<>();
        for (UUID id : ids) {
            records.find(id).ifPresentOrElse(found::add, () -> unknown.add(id));
        }
        if (!unknown.isEmpty()) {
            throw ApiException.notFound("no experiment " + unknown.stream().map(UUID::toString)
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        return found.stream().map(e -> of(e, records.rounds(e.id()))).toList();
    }

    static Comparison of(ExperimentRecord e, List<RoundRecord> rounds) {
        List<RoundView> views = rounds.stream().map(RoundView::of).toList();
        RoundView last = views.isEmpty() ? null : views.get(views.size() - 1);
        long up = views.stream().mapToLong(RoundView::uploadBytes).sum();
        long raw = views.stream().mapToLong(RoundView::rawUpdateBytes).sum();
        Double best = views.stream().map(RoundView::accuracy).filter(java.util.Objects::nonNull)
                .max(Double::compare).orElse(null);
        List<Double> cosines = new ArrayList<>();
        List<Double> snrs = new ArrayList<>();
        List<Double> dwCosines = new ArrayList<>();
        List<Double> dwSnrs = new ArrayList<>();
        views.forEach(v -> v.clientRows().forEach(c -> {
            cosines.add(c.cosine());
            snrs.add(c.snrDb());
            dwCosines.add(c.deltaWCosine());
            dwSnrs.add(c.deltaWSnrDb());
        }));
        return new Comparison(e.id(), e.name(), e.status(), e.codec(), (int) views.stream().filter(v -> v.round() > 0).count(),
                last == null ? null : last.evalLoss(), last == null ? null : last.accuracy(), best, up, raw,
                raw > 0 ? (double) up / raw : null, RoundView.mean(cosines), RoundView.mean(snrs), RoundView.mean(dwCosines),
                RoundView.mean(dwSnrs), strategy(e.spec()));
    }

    /** The spec's strategy with its settings, "fedavg" where the spec named none (those from before strategies). */
    static String strategy(java.util.Map<String, Object> spec) {
        if (!(spec.get("aggregation") instanceof java.util.Map<?, ?> a) || a.get("name") == null) {
            return "fedavg";
        }
        Object settings = a.get("settings");
        boolean none = settings == null || settings instanceof java.util.Map<?, ?> m && m.isEmpty();
        return a.get("name") + (none ? "" : " " + JSON.writeValueAsString(settings));
    }

    private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder()
            .build();
}
