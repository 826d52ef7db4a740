package org.opensearch.binaryembeddings.encoder;


import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Internal-cluster tests whose nodes load models from their config folder ({@code $OPENSEARCH_PATH_CONF}): the plugin
 * on every node, and one config folder, written once by {@link #writeNodeConfig}, shared by all of them.
 */
public abstract class ModelNodesTestCase extends PluginIntegTestCase {

    private Path configDir;

    /** The config folder every node starts with, below {@code tmp} (e.g. {@link TestModels#nodeConfigWithBge}). */
    protected abstract Path writeNodeConfig(Path tmp) throws IOException;

    @Override
    protected synchronized Path nodeConfigPath(int nodeOrdinal) {
        if (configDir == null) {
            try {
                configDir = writeNodeConfig(createTempDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return configDir;
    }
}
