package io.cgfed.coordinator.experiment;

import io.cgfed.core.aggregation.Strategies;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Lists the federated strategies a spec's {@code aggregation} may name: what each does, its settings with
 * their defaults and bounds, its rule and server optimiser, and whether the rule holds the round's updates.
 */
@RestController
public class StrategyCatalogController {
    @GetMapping("/api/v1/strategies")
    public List<Strategies.Description> strategies() {
        return Strategies.describe();
    }
}
