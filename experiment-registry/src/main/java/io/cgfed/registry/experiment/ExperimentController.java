package io.cgfed.registry.experiment;

import io.cgfed.core.protocol.ExperimentRecord;

import io.cgfed.core.protocol.RoundRecord;
import io.cgfed.registry.round.RoundView;
import io.cgfed.service.support.ApiException;
import io.cgfed.service.support.InvalidFieldException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.http.ResponseEntity;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Experiments and their rounds: written by the coordinator, read by users. */
@RestController
@Validated
@RequestMapping("/api/v1/experiments")
public class ExperimentController {
    private final ExperimentRecords records;

    ExperimentController(ExperimentRecords records) {
        this.records = records;
    }

    @PostMapping
    public ExperimentRecord record(@Valid @RequestBody ExperimentRecord experiment) {
        return records.upsert(experiment);
    }

    @Operation(summary = "List experiments",
            description = "Filtered by status, codec (comma-separated, any of) and a part of the name; sorted by "
                    + "createdAt (default), updatedAt, name, status, codec, finalAccuracy, finalEvalLoss or uploadBytes; "
                    + "order asc or desc (default: desc for times and numbers, asc for text); paged by limit and offset. "
                    + "X-Total-Count holds the number of experiments the filters select over all pages.")
    @GetMapping
    public ResponseEntity<List<ExperimentRecord>> list(
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit,
            @RequestParam(defaultValue = "0") @Min(0) int offset,
            @Parameter(description = "statuses, comma-separated, e.g. RUNNING,COMPLETED") @RequestParam(required = false)
            String status,
            @Parameter(description = "codec names, comma-separated, e.g. fp16,cgae") @RequestParam(required = false)
            String codec,
            @Parameter(description = "a part of the name, any case") @RequestParam(required = false) String name,
            @Parameter(description = "the field to sort by") @RequestParam(defaultValue = "createdAt") String sort,
            @Parameter(description = "asc or desc") @RequestParam(required = false) String order) {
        ExperimentQuery.Sort by;
        try {
            by = ExperimentQuery.Sort.of(sort.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("sort", e.getMessage());
        }
        boolean descending;
        if (order == null) {
            descending = by != ExperimentQuery.Sort.NAME && by != ExperimentQuery.Sort.STATUS
                    && by != ExperimentQuery.Sort.CODEC;
        } else if (order.equalsIgnoreCase("asc") || order.equalsIgnoreCase("desc")) {
            descending = order.equalsIgnoreCase("desc");
        } else {
            throw new InvalidFieldException("order", "order must be asc or desc, not '" + order + "'");
        }
        if (name != null && name.length() > 200) {
            throw new InvalidFieldException("name", "name: at most 200 characters");
        }
        ExperimentQuery q = new ExperimentQuery(values("status", status, STATUS, true),
                values("codec", codec, CODEC, false), name == null || name.isBlank() ? null : name.strip(), by, descending);
        return ResponseEntity.ok().header("X-Total-Count", String.valueOf(records.count(q)))
                .body(records.list(q, limit, offset));
    }

    private static final Pattern STATUS = Pattern.compile("[A-Za-z_]{1,40}");
    private static final Pattern CODEC = Pattern.compile("[A-Za-z0-9_.-]{1,60}");

    private static List<String> values(String field, String param, Pattern allowed, boolean upper) {
        if (param == null) {
            return List.of();
        }
        List<String> out = new java.util.ArrayList<>();
        for (String part : param.split(",")) {
            String v = part.strip();
            if (v.isEmpty()) {
                continue;
            }
            if (!allowed.matcher(v).matches()) {
                throw new InvalidFieldException(field, field + ": '" + v + "' is not a " + field);
            }
            out.add(upper ? v.toUpperCase(Locale.ROOT) : v.toLowerCase(Locale.ROOT));
        }
        if (out.isEmpty()) {
            throw new InvalidFieldException(field, field + " is empty: leave it out to show every " + field);
        }
        return out;
    }

    @GetMapping("/{id}")
    public ExperimentRecord get(@PathVariable UUID id) {
        return records.find(id).orElseThrow(() -> ApiException.notFound("no experiment " + id));
    }

    @PutMapping("/{id}/rounds/{round}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void recordRound(@PathVariable UUID id, @PathVariable int round, @Valid @RequestBody RoundRecord body) {
        if (body.round() != round) {
            throw ApiException.badRequest("round in path (" + round + ") and body (" + body.round() + ") differ");
        }
        if (!records.exists(id)) {
            throw ApiException.notFound("no experiment " + id);
        }
        records.upsertRound(id, body);
    }

    @Operation(summary = "An experiment's rounds",
            description = "Round 0 is the baseline evaluation. Each round has its aggregate metrics, derived ones "
                    + "(ratioToFp32, meanCosine, meanSnrDb, aggregateCosine, codecVersion) and clientRows: one per "
                    + "client that uploaded (samples, localLoss, uploadBytes, rawBytes, cosine, snrDb, "
                    + "relativeL2Error, trainMs). metrics holds what the coordinator sent, as sent.")
    @GetMapping("/{id}/rounds")
    public List<RoundView> rounds(@PathVariable UUID id) {
        if (!records.exists(id)) {
            throw ApiException.notFound("no experiment " + id);
        }
        return records.rounds(id).stream().map(RoundView::of).toList();
    }
}
