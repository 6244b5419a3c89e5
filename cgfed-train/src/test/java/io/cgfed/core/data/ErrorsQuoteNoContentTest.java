package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file that is no dataset, read as one (the probe's {@code /etc/passwd}, {@code /proc/self/environ}, a
 * file holding a secret), fails with a reason that names the file, the line and what is wrong, and never
 * repeats what the file holds: the reason reaches the experiment's failure reason, readable by others.
 */
class ErrorsQuoteNoContentTest {
    private static final String SECRET = "4f9c2b7e1a0d8c6f5e3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c";

    @Test
    void readingASecretFileAsADatasetNeverQuotesIt(@TempDir Path dir) throws Exception {
        String[] contents = {
                SECRET + "\n",
                "TOKEN=" + SECRET + ",x,y\n" + SECRET + ",1,2\n",
                "root:x:0:0:" + SECRET + ":/root:/bin/bash\n",
                "id,question,A,B,C,D,answer\n1,q,a,b,c,d," + SECRET + "\n",
                "q,a,b,c,d," + SECRET + "\n",
                "\"" + SECRET + "\"x,1\n",
                "{\"" + SECRET + "\": " + SECRET + "}\n",
                SECRET + "{\n",
                "[{\"instruction\": \"" + SECRET + "\", \"output\": 7}]",
        };
        int refused = 0;
        for (int i = 0; i < contents.length; i++) {
            Path csv = dir.resolve("secret" + i + "_dev.csv");
            Files.writeString(csv, contents[i]);
            Path jsonl = dir.resolve("secret" + i + ".jsonl");
            Files.writeString(jsonl, contents[i]);
            for (Throwable t : new Throwable[] {catchThrowable(() -> MultipleChoiceCsv.read(csv)),
                    catchThrowable(() -> InstructionJsonl.read(jsonl))}) {
                if (t != null) {
                    refused++;
                    assertThat(t.toString()).as("content %d", i).doesNotContain(SECRET).doesNotContain("4f9c2b7e");
                }
            }
        }
        assertThat(refused).as("every one of them is refused as a dataset").isEqualTo(2 * contents.length);
    }
}
