package org.opensearch.binaryembeddings.encoder;

import org.opensearch.test.OpenSearchTestCase;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public class ModelManifestTests extends OpenSearchTestCase {

    private static final String VALID = """
        {"name": "my-model", "dims": 384, "pooling": "mean", "normalize": true, "max_tokens": 128,
         "query_prefix": "query: ", "passage_prefix": "passage: ", "description": "test"}""";

    private static ModelManifest parse(String folder, String json) throws IOException {
        return ModelManifest.parse(folder, new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static String error(String folder, String json) {
        return expectThrows(IllegalArgumentException.class, () -> parse(folder, json)).getMessage();
    }

    public void testParsesEveryField() throws IOException {
        ModelManifest m = parse("my-model", VALID);
        assertEquals("my-model", m.name());
        assertEquals(384, m.dims());
        assertEquals(ModelManifest.Pooling.MEAN, m.pooling());
        assertTrue(m.normalize());
        assertEquals(128, m.maxTokens());
        assertEquals("query: ", m.queryPrefix());
        assertEquals("passage: ", m.passagePrefix());
    }

    public void testPrefixesDefaultToEmpty() throws IOException {
        ModelManifest m = parse("m", "{\"name\":\"m\",\"dims\":8,\"pooling\":\"cls\",\"normalize\":false,\"max_tokens\":16}");
        assertEquals("", m.queryPrefix());
        assertEquals("", m.passagePrefix());
        assertEquals(ModelManifest.Pooling.CLS, m.pooling());
        assertFalse(m.normalize());
    }

    public void testRejectsBadManifests() {
        assertEquals("unknown manifest key [dim]", error("m", "{\"name\":\"m\",\"dim\":8,\"pooling\":\"cls\",\"normalize\":false,\"max_tokens\":16}"));
        assertEquals("manifest key [max_tokens] is required", error("m", "{\"name\":\"m\",\"dims\":8,\"pooling\":\"cls\",\"normalize\":false}"));
        assertEquals(
            "[pooling] must be one of [cls, mean], got [max]",
            error("m", "{\"name\":\"m\",\"dims\":8,\"pooling\":\"max\",\"normalize\":false,\"max_tokens\":16}")
        );
        assertEquals(
            "manifest key [dims] must be an integer, got [384.5]",
            error("m", "{\"name\":\"m\",\"dims\":384.5,\"pooling\":\"cls\",\"normalize\":false,\"max_tokens\":16}")
        );
        assertEquals(
            "manifest key [normalize] must be true or false, got [yes]",
            error("m", "{\"name\":\"m\",\"dims\":8,\"pooling\":\"cls\",\"normalize\":\"yes\",\"max_tokens\":16}")
        );
        assertEquals(
            "[dims] must be between 1 and 8192, got [0]",
            error("m", "{\"name\":\"m\",\"dims\":0,\"pooling\":\"cls\",\"normalize\":false,\"max_tokens\":16}")
        );
        assertEquals(
            "manifest [name] is [other] but the model folder is [m]",
            error("m", "{\"name\":\"other\",\"dims\":8,\"pooling\":\"cls\",\"normalize\":false,\"max_tokens\":16}")
        );
        assertTrue(error("m", "{\"name\": ").startsWith("manifest is not valid JSON"));
    }

    /** The manifests committed under config/models parse, with the values the issue asks for. */
    public void testBundledManifests() throws IOException {
        Path models = Path.of(System.getProperty("be.models.dir"));
        ModelManifest bge = read(models, "bge-small-en-v1.5-q");
        assertEquals(384, bge.dims());
        assertEquals(ModelManifest.Pooling.CLS, bge.pooling());
        assertTrue(bge.normalize());
        assertEquals(512, bge.maxTokens());
        assertEquals("Represent this sentence for searching relevant passages: ", bge.queryPrefix());
        assertEquals("", bge.passagePrefix());
        ModelManifest minilm = read(models, "all-minilm-l6-v2-q");
        assertEquals(384, minilm.dims());
        assertEquals(ModelManifest.Pooling.MEAN, minilm.pooling());
        assertTrue(minilm.normalize());
        assertEquals(128, minilm.maxTokens());
        assertEquals("", minilm.queryPrefix());
    }

    private static ModelManifest read(Path root, String name) throws IOException {
        try (InputStream in = Files.newInputStream(ModelPaths.modelFile(root, name, ModelManifest.FILE_NAME))) {
            return ModelManifest.parse(name, in);
        }
    }
}
