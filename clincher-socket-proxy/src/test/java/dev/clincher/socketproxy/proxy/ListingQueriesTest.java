package dev.clincher.socketproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.socketproxy.inspect.BodyDeniedException;
import dev.clincher.socketproxy.inspect.ListingFilter;
import org.junit.jupiter.api.Test;

class ListingQueriesTest {

  @Test
  void aRememberedRewriteIsTheOneListingFilterComputes() throws BodyDeniedException {
    ListingQueries queries = new ListingQueries("clincher.sandbox");
    String query = "all=1&filters=%7B%22status%22%3A%5B%22running%22%5D%7D";
    String expected = ListingFilter.withLabel(query, "clincher.sandbox");
    assertThat(queries.withLabel(query)).isEqualTo(expected).contains("clincher.sandbox");
    assertThat(queries.withLabel(query)).isEqualTo(expected);
    assertThat(queries.withLabel("")).isEqualTo(ListingFilter.withLabel("", "clincher.sandbox"));
  }

  @Test
  void aRefusedQueryIsRefusedEveryTime() {
    ListingQueries queries = new ListingQueries("clincher.sandbox");
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> queries.withLabel("all=1&all=0")).isInstanceOf(BodyDeniedException.class);
      assertThatThrownBy(() -> queries.withLabel("until=1;all=1")).isInstanceOf(BodyDeniedException.class);
    }
  }
}
