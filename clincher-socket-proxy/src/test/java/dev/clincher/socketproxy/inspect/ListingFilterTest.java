package dev.clincher.socketproxy.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ListingFilterTest {
  private static final String LABEL = "clincher.sandbox";

  private static String filters(String rewritten) {
    for (String pair : rewritten.split("&")) {
      if (pair.startsWith("filters=")) {
        return URLDecoder.decode(pair.substring(8), StandardCharsets.UTF_8);
      }
    }
    return "";
  }

  @Test
  void addsTheLabelWhenThereAreNoFilters() throws Exception {
    assertThat(filters(ListingFilter.withLabel("all=1", LABEL))).isEqualTo("{\"label\":{\"clincher.sandbox\":true}}");
    assertThat(ListingFilter.withLabel("", LABEL)).startsWith("filters=");
  }

  @Test
  void keepsTheClientsFiltersInBothForms() throws Exception {
    assertThat(filters(ListingFilter.withLabel("filters=%7B%22label%22%3A%5B%22a%3D1%22%5D%7D", LABEL)))
        .isEqualTo("{\"label\":{\"a=1\":true,\"clincher.sandbox\":true}}");
    assertThat(filters(ListingFilter.withLabel("filters=" + "{\"status\":{\"running\":true}}", LABEL)))
        .isEqualTo("{\"status\":{\"running\":true},\"label\":{\"clincher.sandbox\":true}}");
  }

  @Test
  void refusesAmbiguousQueries() {
    for (String query : new String[] {"filters=%7B%7D&filters=%7B%7D", "f%69lters=%7B%7D&filters=%7B%7D",
        "all=1;filters=x", "filters=%zz", "filters=%7B%22label%22%3A1%7D", "filters=[]", "evil=1",
        "filters=%7B%22label%22%3A%5B%5D%2C%22LABEL%22%3A%5B%5D%7D"}) {
      assertThatThrownBy(() -> ListingFilter.withLabel(query, LABEL)).as(query)
          .isInstanceOf(BodyDeniedException.class);
    }
  }
}
