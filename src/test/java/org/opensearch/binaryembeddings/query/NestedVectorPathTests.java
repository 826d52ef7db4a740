package org.opensearch.binaryembeddings.query;

import org.opensearch.test.OpenSearchTestCase;

import java.util.Map;

/** Which nested object binary_hybrid's vector field lives in, read from a mapping. */
public class NestedVectorPathTests extends OpenSearchTestCase {

    private static final Map<String, Object> VEC = Map.of("type", "binary_embedding", "dims", 8);

    public void testDeepestNestedObjectOnTheWay() {
        Map<String, Object> mapping = Map.of("properties", Map.of(
            "vec", VEC,
            "meta", Map.of("properties", Map.of("vec", VEC)),
            "chunks", Map.of("type", "nested", "properties", Map.of("embedding", VEC,
                "inner", Map.of("properties", Map.of("vec", VEC)),
                "sub", Map.of("type", "nested", "properties", Map.of("vec", VEC))))
        ));
        assertNull(NestedVectorPath.nestedPath(mapping, "vec"));
        assertNull(NestedVectorPath.nestedPath(mapping, "meta.vec")); // a plain object is not nested
        assertEquals("chunks", NestedVectorPath.nestedPath(mapping, "chunks.embedding"));
        assertEquals("chunks", NestedVectorPath.nestedPath(mapping, "chunks.inner.vec"));
        assertEquals("chunks.sub", NestedVectorPath.nestedPath(mapping, "chunks.sub.vec"));
        assertNull(NestedVectorPath.nestedPath(mapping, "missing.vec"));
        assertEquals("chunks", NestedVectorPath.nestedPath(Map.of("_doc", mapping), "chunks.embedding"));
    }
}
