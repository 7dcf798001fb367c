// Tensors as 2-D grids, and max-|·| pooling of grids too large to draw (or to send) cell by cell. Pooling keeps
// each block's most extreme element with its sign, so a lone exploding or NaN gradient stays visible.

/** The 2-D view of a tensor: rank 0 and 1 become one row; rank > 2 becomes [shape[0], rest]. */
export function matrixShape(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  let cols = 1;
  for (let i = 1; i < shape.length; i++) cols *= shape[i];
  return { rows: shape[0], cols };
}

/** A grid ready to draw: one value per cell, each standing for a block of source elements. */
export interface Grid {
  /** Cell rows drawn. */
  rows: number;
  /** Cell columns drawn. */
  cols: number;
  /** Source rows per cell row (1 when not downsampled). */
  rowFactor: number;
  /** Source columns per cell column (1 when not downsampled). */
  colFactor: number;
  /** Rows of the source matrix. */
  srcRows: number;
  /** Columns of the source matrix. */
  srcCols: number;
  /** Cell values, row-major: the block's NaN if it has one, else its element of largest |v|. */
  values: Float64Array;
  /** Source index (row-major) of the element each cell shows. */
  sourceIndex: Int32Array;
}

/** Pools a row-major `srcRows`×`srcCols` matrix so that neither axis exceeds `budget` cells. */
export function poolMaxAbs(data: Float64Array, srcRows: number, srcCols: number, budget: number): Grid {
  const rowFactor = Math.max(1, Math.ceil(srcRows / budget));
  const colFactor = Math.max(1, Math.ceil(srcCols / budget));
  const rows = Math.ceil(srcRows / rowFactor);
  const cols = Math.ceil(srcCols / colFactor);
  const values = new Float64Array(rows * cols);
  const sourceIndex = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const r1 = Math.min(srcRows, (r + 1) * rowFactor);
    for (let c = 0; c < cols; c++) {
      const c1 = Math.min(srcCols, (c + 1) * colFactor);
      let best = r * rowFactor * srcCols + c * colFactor;
      let bestAbs = -1;
      scan: for (let sr = r * rowFactor; sr < r1; sr++) {
        for (let sc = c * colFactor; sc < c1; sc++) {
          const i = sr * srcCols + sc;
          const v = data[i];
          if (Number.isNaN(v)) {
            best = i;
            break scan;
          }
          const a = Math.abs(v);
          if (a > bestAbs) {
            bestAbs = a;
            best = i;
          }
        }
      }
      values[r * cols + c] = data[best];
      sourceIndex[r * cols + c] = best;
    }
  }
  return { rows, cols, rowFactor, colFactor, srcRows, srcCols, values, sourceIndex };
}

/** Source rows and columns a cell covers, as half-open ranges. */
export function cellBlock(grid: Grid, row: number, col: number): { r0: number; r1: number; c0: number; c1: number } {
  return {
    r0: row * grid.rowFactor,
    r1: Math.min(grid.srcRows, (row + 1) * grid.rowFactor),
    c0: col * grid.colFactor,
    c1: Math.min(grid.srcCols, (col + 1) * grid.colFactor),
  };
}

/** Pools `grid` further so that neither axis exceeds `budget` cells; each cell covers whole blocks of `grid`, so blocks and source indices compose. */
export function repool(grid: Grid, budget: number): Grid {
  const inner = poolMaxAbs(grid.values, grid.rows, grid.cols, budget);
  if (inner.rowFactor === 1 && inner.colFactor === 1) return grid;
  return {
    rows: inner.rows,
    cols: inner.cols,
    rowFactor: grid.rowFactor * inner.rowFactor,
    colFactor: grid.colFactor * inner.colFactor,
    srcRows: grid.srcRows,
    srcCols: grid.srcCols,
    values: inner.values,
    sourceIndex: inner.sourceIndex.map((i) => grid.sourceIndex[i]),
  };
}
