package org.opensearch.binaryembeddings.e2e;

import com.carrotsearch.randomizedtesting.annotations.Name;
import com.carrotsearch.randomizedtesting.annotations.ParametersFactory;

import org.opensearch.test.rest.yaml.ClientYamlTestCandidate;
import org.opensearch.test.rest.yaml.OpenSearchClientYamlSuiteTestCase;

/** Runs the YAML REST tests under rest-api-spec/test against the real node (specs under rest-api-spec/api). */
public class RestApiYamlIT extends OpenSearchClientYamlSuiteTestCase {

    public RestApiYamlIT(@Name("yaml") ClientYamlTestCandidate testCandidate) {
        super(testCandidate);
    }

    @ParametersFactory
    public static Iterable<Object[]> parameters() throws Exception {
        return createParameters();
    }
}
