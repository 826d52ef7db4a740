package org.opensearch.binaryembeddings.encoder;

import org.opensearch.test.OpenSearchTestCase;

import java.nio.file.Path;

public class ModelPathsTests extends OpenSearchTestCase {

    public void testAcceptsPlainNames() {
        Path root = createTempDir();
        for (String name : new String[] { "bge-small-en-v1.5-q", "all-minilm-l6-v2-q", "a", "0_model.v2" }) {
            Path dir = ModelPaths.modelDir(root, name);
            assertEquals(root.toAbsolutePath().normalize(), dir.getParent());
            assertEquals(name, dir.getFileName().toString());
        }
    }

    public void testRejectsEscapes() {
        Path root = createTempDir();
        String[] bad = { "../x", "..", "x/..", "a/../../etc", "/etc", "/etc/passwd", "..\\x", "x/y", "", ".hidden", "-x", "A",
            "model\u0000", "a..b", "con sole", "~root", "x\ny", root.toAbsolutePath().toString() };
        for (String name : bad) {
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> ModelPaths.modelDir(root, name));
            assertTrue(e.getMessage(), e.getMessage().startsWith("invalid model name ["));
        }
        expectThrows(IllegalArgumentException.class, () -> ModelPaths.modelDir(root, null));
    }

    public void testOnlyModelFilesResolve() {
        Path root = createTempDir();
        assertEquals("model.onnx", ModelPaths.modelFile(root, "m", "model.onnx").getFileName().toString());
        expectThrows(IllegalArgumentException.class, () -> ModelPaths.modelFile(root, "m", "../../etc/passwd"));
        expectThrows(IllegalArgumentException.class, () -> ModelPaths.modelFile(root, "m", "other.bin"));
    }
}
