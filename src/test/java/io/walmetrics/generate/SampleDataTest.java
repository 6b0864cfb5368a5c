package io.walmetrics.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SampleDataTest {

    @Test
    void data_wal_json_is_exactly_what_the_readme_command_writes() throws IOException {
        var out = new ByteArrayOutputStream();
        WalGenerator.write(new WalGenerator.Options(27, 40, Naming.PUBLISHED, Shape.BATCHES), out);

        assertEquals(Files.readString(Path.of("data/wal.json")), out.toString(java.nio.charset.StandardCharsets.UTF_8),
                "regenerate it: java -jar target/wal-metrics-loader.jar generate --seed 27 --flows 40 data/wal.json");
    }
}
