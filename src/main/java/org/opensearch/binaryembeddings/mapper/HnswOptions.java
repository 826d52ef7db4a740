package org.opensearch.binaryembeddings.mapper;

import org.opensearch.binaryembeddings.common.ParamValues;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.Map;

/** The {@code hnsw} mapping object: graph degree and build-time beam width. */
record HnswOptions(int m, int efConstruction) {

    static final int MAX_M = 512;
    static final int MAX_EF_CONSTRUCTION = 3200;
    static final HnswOptions DEFAULT = new HnswOptions(16, 100);

    static HnswOptions parse(Object o) {
        Map<String, Object> map = MappingObjects.asMap("hnsw", o, "m", "ef_construction");
        int m = map.containsKey("m") ? ParamValues.integer("hnsw.m", map.get("m")) : DEFAULT.m;
        int ef = map.containsKey("ef_construction")
            ? ParamValues.integer("hnsw.ef_construction", map.get("ef_construction"))
            : DEFAULT.efConstruction;
        if (m < 2 || m > MAX_M) {
            throw new IllegalArgumentException("[hnsw.m] must be between 2 and " + MAX_M + ", got [" + m + "]");
        }
        if (ef < 1 || ef > MAX_EF_CONSTRUCTION) {
            throw new IllegalArgumentException("[hnsw.ef_construction] must be between 1 and " + MAX_EF_CONSTRUCTION + ", got [" + ef + "]");
        }
        return new HnswOptions(m, ef);
    }

    void toXContent(XContentBuilder b, String name) throws IOException {
        b.startObject(name).field("m", m).field("ef_construction", efConstruction).endObject();
    }

    @Override
    public String toString() {
        return "{m=" + m + ", ef_construction=" + efConstruction + "}";
    }
}
