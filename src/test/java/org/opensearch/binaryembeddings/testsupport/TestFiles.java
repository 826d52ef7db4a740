package org.opensearch.binaryembeddings.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** File helpers the tests and benchmarks share. */
public final class TestFiles {

    private TestFiles() {}

    /** Deletes {@code p} and everything below it; nothing when it does not exist. */
    public static void deleteRecursively(Path p) throws IOException {
        if (Files.exists(p) == false) {
            return;
        }
        List<Path> all;
        try (Stream<Path> walk = Files.walk(p)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path f : all) {
            Files.delete(f);
        }
    }
}
