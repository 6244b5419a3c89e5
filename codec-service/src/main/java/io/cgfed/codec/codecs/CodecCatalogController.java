package io.cgfed.codec.codecs;

import io.cgfed.core.codec.Codecs;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Lists the codecs this service can decode: name, what it does, settings and their defaults. */
@RestController
public class CodecCatalogController {
    @GetMapping("/api/v1/codecs")
    public List<Codecs.Description> codecs() {
        return Codecs.describe();
    }
}
