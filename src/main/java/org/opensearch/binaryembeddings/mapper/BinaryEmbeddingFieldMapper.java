package org.opensearch.binaryembeddings.mapper;

import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.opensearch.binaryembeddings.codec.BinaryFieldConfig;
import org.opensearch.binaryembeddings.codec.BitSimilarity;
import org.opensearch.binaryembeddings.codec.RescorePrecision;
import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.encoder.ModelPaths;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec.RescoreSimilarity;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.core.xcontent.XContentParser.Token;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.ParametrizedFieldMapper;
import org.opensearch.index.mapper.ParseContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code binary_embedding} field: takes a vector of {@code dims} numbers (or pre-packed bits), keeps the leading
 * {@code truncate_to} values (renormalized for cosine) as the Lucene vector, and tells the codec through field
 * attributes how many leading signs to pack into its Hamming graph and how to store the rescoring values.
 */
public final class BinaryEmbeddingFieldMapper extends ParametrizedFieldMapper {

    public static final String CONTENT_TYPE = "binary_embedding";

    /** The one index setting the field needs: it switches the index to the codec that knows the field. */
    public static final Setting<Boolean> INDEX_SETTING = Setting.boolSetting(
        "index.binary_embeddings",
        false,
        Setting.Property.IndexScope,
        Setting.Property.Final
    );

    private static BinaryEmbeddingFieldMapper toType(org.opensearch.index.mapper.FieldMapper in) {
        return (BinaryEmbeddingFieldMapper) in;
    }

    /** Mapping parameters; every structural one is fixed once the field exists. */
    public static final class Builder extends ParametrizedFieldMapper.Builder {

        private final Parameter<Integer> dims = new Parameter<>("dims", false, () -> -1, (n, c, o) -> intValue("dims", o), m -> toType(m).spec.dims())
            .setValidator(v -> {
                if (v == -1) {
                    throw new IllegalArgumentException("[dims] is required");
                }
                if (v < BinaryEmbeddingSpec.MIN_DIMS || v > BinaryEmbeddingSpec.MAX_DIMS) {
                    throw new IllegalArgumentException(
                        "[dims] must be between " + BinaryEmbeddingSpec.MIN_DIMS + " and " + BinaryEmbeddingSpec.MAX_DIMS + ", got [" + v + "]"
                    );
                }
            })
            .alwaysSerialize();
        private final Parameter<Integer> truncateTo = new Parameter<>(
            "truncate_to",
            false,
            () -> null,
            (n, c, o) -> intValue("truncate_to", o),
            m -> toType(m).spec.truncateTo()
        ).acceptsNull();
        private final Parameter<Integer> binaryDims = new Parameter<>(
            "binary_dims",
            false,
            () -> null,
            (n, c, o) -> intValue("binary_dims", o),
            m -> toType(m).spec.binaryDims()
        ).acceptsNull();
        private final Parameter<String> similarity = Parameter.restrictedStringParam(
            "similarity",
            false,
            m -> toType(m).spec.bitSimilarity().attributeValue(),
            "hamming",
            "jaccard"
        );
        private final Parameter<RescoreOptions> rescore = new Parameter<>(
            "rescore",
            false,
            () -> RescoreOptions.DEFAULT,
            (n, c, o) -> RescoreOptions.parse(o),
            m -> RescoreOptions.of(toType(m).spec)
        ).setSerializer((b, n, v) -> v.toXContent(b, n), RescoreOptions::toString);
        // the name's syntax only: whether the model exists is a property of each node, known when a query encodes text
        private final Parameter<String> model = Parameter.stringParam("model", false, m -> toType(m).spec.model(), null)
            .acceptsNull()
            .setValidator(v -> {
                if (v != null) {
                    try {
                        ModelPaths.validateName(v);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("[model] " + e.getMessage());
                    }
                }
            });
        private final Parameter<HnswOptions> hnsw = new Parameter<>(
            "hnsw",
            false,
            () -> HnswOptions.DEFAULT,
            (n, c, o) -> HnswOptions.parse(o),
            m -> new HnswOptions(toType(m).spec.m(), toType(m).spec.efConstruction())
        ).setSerializer((b, n, v) -> v.toXContent(b, n), HnswOptions::toString);
        private final Parameter<String> input = Parameter.restrictedStringParam(
            "input",
            false,
            m -> toType(m).spec.packedInput() ? "packed" : "float",
            "float",
            "packed"
        );
        private final Parameter<Map<String, String>> meta = Parameter.metaParam();

        public Builder(String name) {
            super(name);
        }

        @Override
        protected List<Parameter<?>> getParameters() {
            return List.of(dims, truncateTo, binaryDims, similarity, rescore, model, hnsw, input, meta);
        }

        BinaryEmbeddingSpec resolve() {
            int d = dims.getValue();
            int t = truncateTo.getValue() == null ? d : truncateTo.getValue();
            if (t < 1 || t > d) {
                throw new IllegalArgumentException("[truncate_to] must be between 1 and [dims] (" + d + "), got [" + t + "]");
            }
            int b = binaryDims.getValue() == null ? (t / 8) * 8 : binaryDims.getValue();
            if (b < 8 || b % 8 != 0 || b > t) {
                throw new IllegalArgumentException(
                    "[binary_dims] must be a multiple of 8 between 8 and [truncate_to] (" + t + "), got [" + b + "]"
                );
            }
            boolean packed = "packed".equals(input.getValue());
            RescoreOptions r = rescore.getValue();
            RescorePrecision precision = r.precision() != null ? r.precision() : (packed ? RescorePrecision.NONE : RescorePrecision.FLOAT32);
            if (packed && precision != RescorePrecision.NONE) {
                throw new IllegalArgumentException(
                    "[rescore.precision] must be [none] with [input: packed]: packed bits carry no values to rescore with"
                );
            }
            HnswOptions h = hnsw.getValue();
            return new BinaryEmbeddingSpec(
                d,
                t,
                b,
                BinaryEmbeddingSpec.parseEnum(BitSimilarity.class, "similarity", similarity.getValue()),
                precision,
                r.similarity(),
                model.getValue(),
                h.m(),
                h.efConstruction(),
                packed
            );
        }

        @Override
        public BinaryEmbeddingFieldMapper build(BuilderContext context) {
            BinaryEmbeddingSpec spec;
            try {
                spec = resolve();
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException("field [" + name + "] of type [" + CONTENT_TYPE + "]: " + e.getMessage(), e);
            }
            MultiFields multiFields = multiFieldsBuilder.build(this, context);
            if (multiFields.iterator().hasNext()) {
                // a sub-field would receive the vector array as its value and fail every document
                throw new MapperParsingException(
                    "field [" + name + "] of type [" + CONTENT_TYPE + "] does not support multi-fields ([fields]); map other fields beside it"
                );
            }
            BinaryEmbeddingFieldType type = new BinaryEmbeddingFieldType(buildFullName(context), spec, meta.getValue());
            return new BinaryEmbeddingFieldMapper(name, type, multiFields, copyTo.build(), spec);
        }
    }

    static Integer intValue(String parameter, Object o) {
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        if (o instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("[" + parameter + "] must be an integer, got [" + o + "]");
    }

    public static final TypeParser PARSER = new TypeParser((name, context) -> {
        Settings settings = context.getSettings();
        if (settings != null && INDEX_SETTING.get(settings) == false) {
            throw new MapperParsingException(
                "field ["
                    + name
                    + "] of type ["
                    + CONTENT_TYPE
                    + "] needs the index setting ["
                    + INDEX_SETTING.getKey()
                    + ": true]; add it to the index settings when creating the index"
            );
        }
        return new Builder(name);
    });

    private final BinaryEmbeddingSpec spec;
    private final FieldType luceneType;

    private BinaryEmbeddingFieldMapper(String simpleName, BinaryEmbeddingFieldType type, MultiFields multiFields, CopyTo copyTo, BinaryEmbeddingSpec spec) {
        super(simpleName, type, multiFields, copyTo);
        this.spec = spec;
        this.luceneType = luceneFieldType(spec);
    }

    static FieldType luceneFieldType(BinaryEmbeddingSpec spec) {
        FieldType ft = spec.hasRescoreValues()
            ? new FieldType(KnnFloatVectorField.createFieldType(spec.truncateTo(), spec.rescoreSimilarity().lucene()))
            // bits only: the similarity of a byte field is not used by the codec, which always scores bits
            : new FieldType(KnnByteVectorField.createFieldType(spec.packedBytes(), VectorSimilarityFunction.EUCLIDEAN));
        ft.putAttribute(BinaryFieldConfig.BINARY_DIMS_ATTRIBUTE, Integer.toString(spec.binaryDims()));
        ft.putAttribute(BinaryFieldConfig.SIMILARITY_ATTRIBUTE, spec.bitSimilarity().attributeValue());
        ft.putAttribute(BinaryFieldConfig.RESCORE_PRECISION_ATTRIBUTE, spec.precision().attributeValue());
        ft.freeze();
        return ft;
    }

    @Override
    public Builder getMergeBuilder() {
        return (Builder) new Builder(simpleName()).init(this);
    }

    @Override
    protected String contentType() {
        return CONTENT_TYPE;
    }

    @Override
    public boolean parsesArrayValue() {
        return true;
    }

    @Override
    public BinaryEmbeddingFieldType fieldType() {
        return (BinaryEmbeddingFieldType) super.fieldType();
    }

    @Override
    protected void parseCreateField(ParseContext context) throws IOException {
        XContentParser parser = context.parser();
        if (parser.currentToken() == Token.VALUE_NULL) {
            return;
        }
        if (context.doc().getField(name()) != null) {
            throw new IllegalArgumentException("field [" + name() + "] takes one vector per document, got more than one");
        }
        if (spec.packedInput()) {
            byte[] bits = PackedBits.decode(parsePackedValue(parser), spec.packedBytes(), "field [" + name() + "]");
            context.doc().add(new KnnByteVectorField(name(), bits, luceneType));
            return;
        }
        float[] vector = VectorInput.prepare(parseNumbers(parser), spec, "field [" + name() + "]");
        if (spec.hasRescoreValues()) {
            context.doc().add(new KnnFloatVectorField(name(), vector, luceneType));
        } else {
            context.doc().add(new KnnByteVectorField(name(), SignBits.pack(vector, spec.binaryDims()), luceneType));
        }
    }

    private Object parsePackedValue(XContentParser parser) throws IOException {
        if (parser.currentToken() == Token.VALUE_STRING) {
            return parser.text();
        }
        if (parser.currentToken() != Token.START_ARRAY) {
            throw new IllegalArgumentException(
                "field [" + name() + "] with [input: packed] expects a hex or base64 string or an array of " + spec.packedBytes()
                    + " signed bytes, got " + parser.currentToken()
            );
        }
        List<Object> bytes = new ArrayList<>();
        for (Token t = parser.nextToken(); t != Token.END_ARRAY; t = parser.nextToken()) {
            if (t != Token.VALUE_NUMBER || bytes.size() > spec.packedBytes()) {
                throw new IllegalArgumentException(
                    "field [" + name() + "] with [input: packed] expects an array of " + spec.packedBytes() + " signed bytes"
                        + (t == Token.VALUE_NUMBER ? ", got more" : ", got " + t)
                );
            }
            bytes.add(parser.numberValue());
        }
        return bytes;
    }

    private float[] parseNumbers(XContentParser parser) throws IOException {
        if (parser.currentToken() != Token.START_ARRAY) {
            throw new IllegalArgumentException(
                "field [" + name() + "] expects an array of " + spec.dims() + " numbers, got " + describe(parser)
            );
        }
        float[] values = new float[spec.dims()];
        int n = 0;
        for (Token t = parser.nextToken(); t != Token.END_ARRAY; t = parser.nextToken()) {
            if (t != Token.VALUE_NUMBER) {
                throw new IllegalArgumentException(
                    "field [" + name() + "] expects an array of " + spec.dims() + " numbers, got " + describe(parser) + " at position " + n
                );
            }
            if (n == spec.dims()) {
                throw new IllegalArgumentException("field [" + name() + "] expects " + spec.dims() + " numbers, got more");
            }
            values[n++] = parser.floatValue();
        }
        if (n != spec.dims()) {
            throw new IllegalArgumentException("field [" + name() + "] expects " + spec.dims() + " numbers, got " + n);
        }
        return values;
    }

    private static String describe(XContentParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case VALUE_STRING -> "a string [" + parser.text() + "]";
            case START_ARRAY -> "a nested array";
            case START_OBJECT -> "an object";
            case VALUE_BOOLEAN -> "a boolean";
            case VALUE_NULL -> "null";
            default -> String.valueOf(parser.currentToken());
        };
    }
}
