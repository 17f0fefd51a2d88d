package dev.clincher.router.spendlog;

import java.util.List;

/**
 * One page of {@link SpendLog#query}, newest first.
 *
 * @param records the page's records
 * @param total   how many records match the filter (counted in the same snapshot as the page)
 * @param page    the page number, from 1
 * @param size    the page size asked for
 */
public record Page(List<SpendRecord> records, long total, int page, int size) {
  public Page {
    records = List.copyOf(records);
  }
}
