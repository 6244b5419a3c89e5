package io.cgfed.registry.experiment;

import io.cgfed.registry.round.RoundRecord;
import io.cgfed.service.support.ApiException;
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

    @GetMapping
    public List<ExperimentRecord> list(@RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit,
                                       @RequestParam(defaultValue = "0") @Min(0) int offset) {
        return records.list(limit, offset);
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

    @GetMapping("/{id}/rounds")
    public List<RoundRecord> rounds(@PathVariable UUID id) {
        if (!records.exists(id)) {
            throw ApiException.notFound("no experiment " + id);
        }
        return records.rounds(id);
    }
}
