// A list that renders only the rows in view: 10,000 hosts cost what 40 do.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export function VirtualList<T>(props: {
  items: T[];
  rowHeight: number;
  height: number;
  row: (item: T, index: number) => ComponentChildren;
  id?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  useEffect(() => {
    // A shorter list than the scroll position: back to the top.
    if (box.current && top > props.items.length * props.rowHeight) box.current.scrollTop = 0;
  }, [props.items.length]);
  const first = Math.max(0, Math.floor(top / props.rowHeight) - 5);
  const last = Math.min(props.items.length, Math.ceil((top + props.height) / props.rowHeight) + 5);
  const rows = [];
  for (let i = first; i < last; i++) rows.push(props.row(props.items[i], i));
  return (
    <div id={props.id} class="vlist" ref={box} style={{ height: props.height + 'px' }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <div style={{ height: props.items.length * props.rowHeight + 'px' }}>{rows}</div>
    </div>
  );
}
