#pragma once
// Reading one result row into a struct's fields, in column order, for every
// backend's rows: a reader names each field once and the field's type says how
// to read it (integer, bool or int with i64, string with text, optional
// integer as NULL or i64). Column order is the SELECT's, so a reader and its
// column list change together.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mend {

namespace row_fields {

template <class Row>
void read(const Row& r, int col, int64_t& f) {
  f = r.i64(col);
}
template <class Row>
void read(const Row& r, int col, int& f) {
  f = static_cast<int>(r.i64(col));
}
template <class Row>
void read(const Row& r, int col, bool& f) {
  f = r.i64(col) != 0;
}
template <class Row>
void read(const Row& r, int col, std::string& f) {
  f = r.text(col);
}
template <class Row>
void read(const Row& r, int col, std::optional<int64_t>& f) {
  if (r.is_null(col))
    f.reset();
  else
    f = r.i64(col);
}

// Row `row` of a result read by (row, column): SqlRows, pg::Rows.
template <class Rows>
struct RowOf {
  const Rows& rows;
  int row;
  int64_t i64(int col) const { return rows.i64(row, col); }
  std::string text(int col) const { return rows.text(row, col); }
  bool is_null(int col) const { return rows.is_null(row, col); }
};

}  // namespace row_fields

// Reads columns 0, 1, 2, ... of the current row into `fields`, in order.
// `row` reads by column: i64(col), text(col), and is_null(col) for an
// optional field (a sqlite::Statement on a row).
template <class Row, class... Fields>
void read_columns(const Row& row, Fields&... fields) {
  int col = 0;
  (row_fields::read(row, col++, fields), ...);
}

// The same for row `row` of a result read by (row, column): SqlRows, pg::Rows.
template <class Rows, class... Fields>
void read_row(const Rows& rows, int row, Fields&... fields) {
  read_columns(row_fields::RowOf<Rows>{rows, row}, fields...);
}

// The first of `rows`, or nothing: a lookup by key read with a many-row reader.
template <class T>
std::optional<T> first(std::vector<T> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

// `read(rows, 0)`, or nothing when there is no row: a lookup by key.
template <class Rows, class Read>
auto first_row(const Rows& rows, Read read) -> std::optional<decltype(read(rows, 0))> {
  if (rows.empty()) return std::nullopt;
  return read(rows, 0);
}

// `read(rows, i)` for every row, in order: a many-row reader of a result
// read by (row, column), pg::Rows.
template <class Rows, class Read>
auto each_row(const Rows& rows, Read read) -> std::vector<decltype(read(rows, 0))> {
  std::vector<decltype(read(rows, 0))> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < static_cast<int>(rows.size()); ++i) out.push_back(read(rows, i));
  return out;
}

}  // namespace mend
