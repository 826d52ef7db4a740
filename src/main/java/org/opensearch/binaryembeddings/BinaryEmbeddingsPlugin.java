package org.opensearch.binaryembeddings;

import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingFieldMapper;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingsCodecService;
import org.opensearch.common.settings.Setting;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecServiceFactory;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Wires the plugin's parts into OpenSearch: the {@code binary_embedding} field type, its codec, the
 * {@code local_embedding} ingest processor, the {@code binary_knn} and {@code binary_hybrid} queries and the
 * REST endpoints under {@code _plugins/_binary_embeddings}. It holds no logic of its own.
 */
public class BinaryEmbeddingsPlugin extends Plugin implements MapperPlugin, IngestPlugin, SearchPlugin, EnginePlugin {

    public static final String NAME = "binary-embeddings";

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(BinaryEmbeddingFieldMapper.INDEX_SETTING);
    }

    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(BinaryEmbeddingFieldMapper.CONTENT_TYPE, BinaryEmbeddingFieldMapper.PARSER);
    }

    /** Only indices that opted in get the codec, so other plugins' codec services keep working on theirs. */
    @Override
    public Optional<CodecServiceFactory> getCustomCodecServiceFactory(IndexSettings indexSettings) {
        if (BinaryEmbeddingFieldMapper.INDEX_SETTING.get(indexSettings.getSettings())) {
            return Optional.of(BinaryEmbeddingsCodecService::new);
        }
        return Optional.empty();
    }
}
