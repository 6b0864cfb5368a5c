package io.walmetrics.testing;

import io.walmetrics.generate.Naming;
import io.walmetrics.generate.Shape;
import io.walmetrics.generate.WalGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Realistic WAL from the project's generator, in the published schema, as an array of batches. */
public final class GeneratedWal {

    private GeneratedWal() {
    }

    /** Writes the file and returns how many batches it holds. */
    public static int write(Path file, long seed, int flows) {
        try (OutputStream out = Files.newOutputStream(file)) {
            return WalGenerator.write(new WalGenerator.Options(seed, flows, Naming.PUBLISHED, Shape.BATCHES), out).batches();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
