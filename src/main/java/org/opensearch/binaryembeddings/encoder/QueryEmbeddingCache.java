package org.opensearch.binaryembeddings.encoder;

import org.opensearch.common.cache.Cache;
import org.opensearch.common.cache.CacheBuilder;

/**
 * The node's LRU cache of query embeddings, keyed by model and query text (size 0: off). Vectors are copied in and
 * out, so callers may modify what they get.
 */
final class QueryEmbeddingCache {

    /** Hits, misses and evictions since node start. */
    record Stats(long size, long hits, long misses, long evictions) {}

    private final Cache<String, float[]> cache;

    QueryEmbeddingCache(int size) {
        this.cache = size > 0 ? CacheBuilder.<String, float[]>builder().setMaximumWeight(size).build() : null;
    }

    private static String key(String model, String text) {
        return model + '\n' + text;
    }

    /** A copy of the cached vector, or {@code null}. */
    float[] get(String model, String text) {
        if (cache == null) {
            return null;
        }
        float[] v = cache.get(key(model, text));
        return v == null ? null : v.clone();
    }

    void put(String model, String text, float[] v) {
        if (cache != null) {
            cache.put(key(model, text), v.clone());
        }
    }

    Stats stats() {
        if (cache == null) {
            return new Stats(0, 0, 0, 0);
        }
        Cache.CacheStats s = cache.stats();
        return new Stats(cache.count(), s.getHits(), s.getMisses(), s.getEvictions());
    }

    void clear() {
        if (cache != null) {
            cache.invalidateAll();
        }
    }
}
