package org.opensearch.binaryembeddings.mapper;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.opensearch.binaryembeddings.codec.BinaryEmbeddingsCodec;
import org.opensearch.binaryembeddings.codec.BinaryHnswVectorsFormat;
import org.opensearch.index.codec.CodecService;
import org.opensearch.index.codec.CodecServiceConfig;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperService;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Codec service of indices with {@code index.binary_embeddings: true}: every codec the node offers, wrapped so that
 * {@code binary_embedding} fields get the plugin's vector format with the field's HNSW parameters.
 */
public final class BinaryEmbeddingsCodecService extends CodecService {

    private final MapperService mapperService;
    private final Map<String, Codec> wrapped = new ConcurrentHashMap<>();

    public BinaryEmbeddingsCodecService(CodecServiceConfig config) {
        super(config.getMapperService(), config.getIndexSettings(), config.getLogger(), config.getAdditionalCodecs());
        this.mapperService = config.getMapperService();
    }

    @Override
    public Codec codec(String name) {
        Codec base = super.codec(name);
        if (mapperService == null) {
            return base;
        }
        return wrapped.computeIfAbsent(name, n -> new BinaryEmbeddingsCodec(base, this::formatFor));
    }

    private KnnVectorsFormat formatFor(String field) {
        MappedFieldType type = mapperService.fieldType(field);
        if (type instanceof BinaryEmbeddingFieldType t) {
            return new BinaryHnswVectorsFormat(t.spec().m(), t.spec().efConstruction());
        }
        return null;
    }
}
