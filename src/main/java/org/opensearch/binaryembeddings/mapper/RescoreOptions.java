package org.opensearch.binaryembeddings.mapper;

import org.opensearch.binaryembeddings.common.ParamValues;
import org.opensearch.binaryembeddings.codec.RescorePrecision;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec.RescoreSimilarity;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.Map;

/** The {@code rescore} mapping object; a null precision means "the default for the input kind". */
record RescoreOptions(RescorePrecision precision, RescoreSimilarity similarity) {

    static final RescoreOptions DEFAULT = new RescoreOptions(null, RescoreSimilarity.COSINE);

    static RescoreOptions of(BinaryEmbeddingSpec spec) {
        return new RescoreOptions(spec.precision(), spec.rescoreSimilarity());
    }

    static RescoreOptions parse(Object o) {
        Map<String, Object> map = MappingObjects.asMap("rescore", o, "precision", "similarity");
        RescorePrecision p = map.containsKey("precision")
            ? ParamValues.enumValue(RescorePrecision.class, "rescore.precision", map.get("precision"))
            : null;
        RescoreSimilarity s = map.containsKey("similarity")
            ? ParamValues.enumValue(RescoreSimilarity.class, "rescore.similarity", map.get("similarity"))
            : RescoreSimilarity.COSINE;
        return new RescoreOptions(p, s);
    }

    void toXContent(XContentBuilder b, String name) throws IOException {
        b.startObject(name);
        if (precision != null) {
            b.field("precision", precision.attributeValue());
        }
        b.field("similarity", similarity.value());
        b.endObject();
    }

    @Override
    public String toString() {
        return "{precision=" + (precision == null ? "default" : precision.attributeValue()) + ", similarity=" + similarity.value() + "}";
    }
}
