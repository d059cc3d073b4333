//! A layered (Sugiyama-style) layout of a directed graph, top to bottom, small and exact
//! enough for flows of a few hundred states: break cycles by reversing the back edges of a
//! depth-first walk from the roots, give each node the layer of its longest path from a
//! source, put a virtual node where an edge crosses a layer, order each layer by the
//! barycentre of its neighbours (sweeping down and up, keeping the order with the fewest
//! crossings), place nodes near the mean of their neighbours without overlap, and route each
//! edge as a polyline through its virtual nodes. Every step is deterministic, so the same
//! graph gets the same coordinates.
//!
//! Why our own and not a layout crate: the flows are small, the output must be byte-stable
//! across builds, and this is a few hundred lines with no dependency; a 50-state flow with
//! about 120 edges lays out in about 0.5 ms and draws as SVG in about 1.3 ms
//! (`benches/diagram.rs`).

/// A node to place: its box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutNode {
    /// The box's width.
    pub width: f64,
    /// The box's height.
    pub height: f64,
}

/// An edge to route, with the size of its label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutEdge {
    /// The source node's index.
    pub from: usize,
    /// The target node's index.
    pub to: usize,
    /// The label's width (0 for none).
    pub label_width: f64,
    /// The label's height (0 for none).
    pub label_height: f64,
}

/// A point of the drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// From the left.
    pub x: f64,
    /// From the top.
    pub y: f64,
}

/// How one edge is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The polyline from the source's border to the target's border.
    pub points: Vec<Point>,
    /// Where the label's centre goes.
    pub label: Point,
}

/// Where everything goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The drawing's width, margins included.
    pub width: f64,
    /// The drawing's height, margins included.
    pub height: f64,
    /// Each node's centre, by node index.
    pub nodes: Vec<Point>,
    /// Each edge's route, by edge index.
    pub routes: Vec<Route>,
}

const MARGIN: f64 = 16.0;
const NODE_GAP: f64 = 36.0;
const RANK_GAP: f64 = 48.0;
const LABEL_GAP: f64 = 6.0;
const VIRTUAL_WIDTH: f64 = 16.0;
/// Sideways shift of reversed (upward) edges, so that a loop back does not lie on the
/// forward edge between the same two nodes.
const REVERSED_SHIFT: f64 = 10.0;
const SELF_LOOP_REACH: f64 = 26.0;
const ORDER_SWEEPS: usize = 12;
const PLACEMENT_SWEEPS: usize = 6;

/// Lays out `nodes` and `edges`, starting the depth-first walk at `roots` (the start
/// states) and then at every node not reached, in index order.
pub fn layout(nodes: &[LayoutNode], edges: &[LayoutEdge], roots: &[usize]) -> Layout {
    let count = nodes.len();
    let edges: Vec<LayoutEdge> = edges
        .iter()
        .copied()
        .filter(|edge| edge.from < count && edge.to < count)
        .collect();
    let reversed = back_edges(count, &edges, roots);

    // The acyclic graph: each edge that is not a self-loop, pointing down.
    let mut dag: Vec<(usize, usize, usize)> = Vec::new();
    for (index, edge) in edges.iter().enumerate() {
        if edge.from == edge.to {
            continue;
        }
        let (a, b) = if reversed[index] {
            (edge.to, edge.from)
        } else {
            (edge.from, edge.to)
        };
        dag.push((index, a, b));
    }
    let layer = longest_path_layers(count, &dag);
    let layers_total = layer.iter().copied().max().map_or(0, |top| top + 1);

    // Vertices: the nodes, then virtual nodes where edges cross a layer.
    let mut vertex_layer = layer.clone();
    let mut vertex_width: Vec<f64> = nodes.iter().map(|node| node.width).collect();
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); edges.len()];
    for &(index, a, b) in &dag {
        let mut chain = vec![a];
        for crossed in layer[a] + 1..layer[b] {
            vertex_layer.push(crossed);
            vertex_width.push(VIRTUAL_WIDTH);
            chain.push(vertex_layer.len() - 1);
        }
        chain.push(b);
        chains[index] = chain;
    }
    let vertices = vertex_layer.len();
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); vertices];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); vertices];
    for chain in chains.iter().filter(|chain| !chain.is_empty()) {
        for pair in chain.windows(2) {
            down[pair[0]].push(pair[1]);
            up[pair[1]].push(pair[0]);
        }
    }

    let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers_total];
    for vertex in discovery_order(count, &edges, roots)
        .into_iter()
        .chain(count..vertices)
    {
        order[vertex_layer[vertex]].push(vertex);
    }
    let order = reduce_crossings(order, &up, &down, vertices);

    let x = place_horizontally(&order, &up, &down, &vertex_width, vertices, count);

    // Rows: each layer as tall as its tallest node, the gap below it tall enough for the
    // labels that are staggered in it.
    let mut label_segment: Vec<Option<(usize, usize, usize, usize)>> = vec![None; edges.len()];
    let mut labels_below: Vec<Vec<usize>> = vec![Vec::new(); vertices];
    for (index, chain) in chains.iter().enumerate() {
        if chain.len() < 2 || edges[index].label_height <= 0.0 {
            continue;
        }
        let segment = (chain.len() - 2) / 2;
        let upper = chain[segment];
        labels_below[upper].push(index);
        label_segment[index] = Some((upper, chain[segment + 1], 0, 0));
    }
    let mut row_height = vec![0.0_f64; layers_total];
    for (node, &node_layer) in layer.iter().enumerate() {
        row_height[node_layer] = row_height[node_layer].max(nodes[node].height);
    }
    let mut gap_below = vec![RANK_GAP; layers_total];
    for (vertex, labelled) in labels_below.iter().enumerate() {
        let needed: f64 = labelled
            .iter()
            .map(|&edge| edges[edge].label_height + LABEL_GAP)
            .sum::<f64>()
            + 2.0 * LABEL_GAP;
        let gap = &mut gap_below[vertex_layer[vertex]];
        *gap = gap.max(needed);
        for (rank, &edge) in labelled.iter().enumerate() {
            if let Some(segment) = label_segment[edge].as_mut() {
                segment.2 = rank;
                segment.3 = labelled.len();
            }
        }
    }
    let mut row_top = vec![0.0_f64; layers_total];
    let mut top = 0.0;
    for row in 0..layers_total {
        row_top[row] = top;
        top += row_height[row] + gap_below[row];
    }
    let centre_y = |vertex: usize| {
        let row = vertex_layer[vertex];
        row_top[row] + row_height[row] / 2.0
    };
    let mut centres: Vec<Point> = (0..count)
        .map(|node| Point {
            x: x[node],
            y: centre_y(node),
        })
        .collect();

    // Routes, in the original direction of each edge.
    let mut routes = Vec::with_capacity(edges.len());
    for (index, edge) in edges.iter().enumerate() {
        if edge.from == edge.to {
            let centre = centres[edge.from];
            let right = centre.x + nodes[edge.from].width / 2.0;
            let dy = (nodes[edge.from].height / 4.0).min(8.0);
            routes.push(Route {
                points: vec![
                    Point {
                        x: right,
                        y: centre.y - dy,
                    },
                    Point {
                        x: right + SELF_LOOP_REACH,
                        y: centre.y - dy,
                    },
                    Point {
                        x: right + SELF_LOOP_REACH,
                        y: centre.y + dy,
                    },
                    Point {
                        x: right,
                        y: centre.y + dy,
                    },
                ],
                label: Point {
                    x: right + SELF_LOOP_REACH + LABEL_GAP + edge.label_width / 2.0,
                    y: centre.y,
                },
            });
            continue;
        }
        let chain = &chains[index];
        let shift = if reversed[index] { REVERSED_SHIFT } else { 0.0 };
        let mut points: Vec<Point> = chain
            .iter()
            .enumerate()
            .map(|(position, &vertex)| {
                let mut y = centre_y(vertex);
                if vertex < count {
                    let half = nodes[vertex].height / 2.0;
                    y += if position == 0 { half } else { -half };
                }
                Point {
                    x: x[vertex] + shift,
                    y,
                }
            })
            .collect();
        let label = match label_segment[index] {
            Some((upper, lower, rank, of)) => {
                let a = points[chain.iter().position(|&v| v == upper).unwrap_or(0)];
                let b = points[chain.iter().position(|&v| v == lower).unwrap_or(0)];
                let t = (rank as f64 + 1.0) / (of as f64 + 1.0);
                Point {
                    x: a.x + (b.x - a.x) * t,
                    y: a.y + (b.y - a.y) * t,
                }
            }
            None => points[points.len() / 2],
        };
        if reversed[index] {
            points.reverse();
        }
        routes.push(Route { points, label });
    }

    // Move everything so the drawing starts at the margin, and measure it.
    let mut min_x = f64::INFINITY;
    let mut max_x = f64::NEG_INFINITY;
    let mut max_y: f64 = 0.0;
    for (node, centre) in centres.iter().enumerate() {
        min_x = min_x.min(centre.x - nodes[node].width / 2.0);
        max_x = max_x.max(centre.x + nodes[node].width / 2.0);
        max_y = max_y.max(centre.y + nodes[node].height / 2.0);
    }
    for (route, edge) in routes.iter().zip(&edges) {
        for point in &route.points {
            min_x = min_x.min(point.x);
            max_x = max_x.max(point.x);
        }
        min_x = min_x.min(route.label.x - edge.label_width / 2.0);
        max_x = max_x.max(route.label.x + edge.label_width / 2.0);
    }
    if !min_x.is_finite() {
        min_x = 0.0;
        max_x = 0.0;
    }
    let dx = MARGIN - min_x;
    let dy = MARGIN;
    for centre in &mut centres {
        centre.x += dx;
        centre.y += dy;
    }
    for route in &mut routes {
        for point in &mut route.points {
            point.x += dx;
            point.y += dy;
        }
        route.label.x += dx;
        route.label.y += dy;
    }
    Layout {
        width: (max_x - min_x) + 2.0 * MARGIN,
        height: max_y + 2.0 * MARGIN,
        nodes: centres,
        routes,
    }
}

/// Which edges a depth-first walk from `roots` (then every unreached node) finds pointing
/// back to a node on its path: reversing them makes the graph acyclic.
fn back_edges(count: usize, edges: &[LayoutEdge], roots: &[usize]) -> Vec<bool> {
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (index, edge) in edges.iter().enumerate() {
        outgoing[edge.from].push(index);
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; count];
    let mut reversed = vec![false; edges.len()];
    let starts = roots
        .iter()
        .copied()
        .filter(|&root| root < count)
        .chain(0..count);
    for start in starts {
        if mark[start] != Mark::New {
            continue;
        }
        // (node, next outgoing edge to look at)
        let mut path = vec![(start, 0usize)];
        mark[start] = Mark::OnPath;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(&edge) = outgoing[node].get(*next) {
                *next += 1;
                let target = edges[edge].to;
                match mark[target] {
                    Mark::New => {
                        mark[target] = Mark::OnPath;
                        path.push((target, 0));
                    }
                    Mark::OnPath if target != node => reversed[edge] = true,
                    _ => {}
                }
            } else {
                mark[node] = Mark::Done;
                path.pop();
            }
        }
    }
    reversed
}

/// Each node's layer: the length of the longest path to it from a node without incoming
/// edges, in the acyclic graph `dag` of `(edge, from, to)`.
fn longest_path_layers(count: usize, dag: &[(usize, usize, usize)]) -> Vec<usize> {
    let mut incoming = vec![0usize; count];
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); count];
    for &(_, a, b) in dag {
        incoming[b] += 1;
        outgoing[a].push(b);
    }
    let mut layer = vec![0usize; count];
    let mut ready: Vec<usize> = (0..count).filter(|&node| incoming[node] == 0).collect();
    ready.reverse();
    while let Some(node) = ready.pop() {
        for &next in &outgoing[node] {
            layer[next] = layer[next].max(layer[node] + 1);
            incoming[next] -= 1;
            if incoming[next] == 0 {
                ready.push(next);
            }
        }
    }
    layer
}

/// The nodes in the order a breadth-first walk from the roots meets them, then the rest:
/// the first order of each layer, so that the first-declared branch starts on the left.
fn discovery_order(count: usize, edges: &[LayoutEdge], roots: &[usize]) -> Vec<usize> {
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); count];
    for edge in edges {
        outgoing[edge.from].push(edge.to);
    }
    let mut seen = vec![false; count];
    let mut order = Vec::with_capacity(count);
    let starts = roots
        .iter()
        .copied()
        .filter(|&root| root < count)
        .chain(0..count);
    for start in starts {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            order.push(node);
            for &next in &outgoing[node] {
                if !seen[next] {
                    seen[next] = true;
                    queue.push_back(next);
                }
            }
        }
    }
    order
}

/// Barycentre sweeps down and up; the order with the fewest crossings wins.
fn reduce_crossings(
    mut order: Vec<Vec<usize>>,
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    vertices: usize,
) -> Vec<Vec<usize>> {
    let mut position = vec![0.0_f64; vertices];
    for layer in &order {
        for (at, &vertex) in layer.iter().enumerate() {
            position[vertex] = at as f64;
        }
    }
    let mut best = order.clone();
    let mut best_crossings = crossings(&order, down, &position);
    for sweep in 0..ORDER_SWEEPS {
        if best_crossings == 0 {
            break;
        }
        let layers = order.len();
        let rows: Vec<usize> = if sweep % 2 == 0 {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        let neighbours = if sweep % 2 == 0 { up } else { down };
        for row in rows {
            let mut keyed: Vec<(f64, usize)> = order[row]
                .iter()
                .map(|&vertex| {
                    let around = &neighbours[vertex];
                    let key = if around.is_empty() {
                        position[vertex]
                    } else {
                        around.iter().map(|&n| position[n]).sum::<f64>() / around.len() as f64
                    };
                    (key, vertex)
                })
                .collect();
            // A stable sort on the key alone: ties keep their current order.
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            order[row] = keyed.into_iter().map(|(_, vertex)| vertex).collect();
            for (at, &vertex) in order[row].iter().enumerate() {
                position[vertex] = at as f64;
            }
        }
        let now = crossings(&order, down, &position);
        if now < best_crossings {
            best_crossings = now;
            best = order.clone();
        }
    }
    best
}

/// How many pairs of segments between adjacent layers cross.
fn crossings(order: &[Vec<usize>], down: &[Vec<usize>], position: &[f64]) -> usize {
    let mut total = 0;
    for layer in order {
        let segments: Vec<(f64, f64)> = layer
            .iter()
            .flat_map(|&upper| down[upper].iter().map(move |&lower| (upper, lower)))
            .map(|(upper, lower)| (position[upper], position[lower]))
            .collect();
        for (i, a) in segments.iter().enumerate() {
            for b in &segments[i + 1..] {
                if (a.0 - b.0) * (a.1 - b.1) < 0.0 {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Each vertex's centre x: packed, then pulled towards the mean of its neighbours above
/// (sweeping down) and below (sweeping up), keeping each layer's order and gaps.
fn place_horizontally(
    order: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    width: &[f64],
    vertices: usize,
    real_count: usize,
) -> Vec<f64> {
    let mut x = vec![0.0_f64; vertices];
    for layer in order {
        let total: f64 = layer.iter().map(|&v| width[v]).sum::<f64>()
            + NODE_GAP * layer.len().saturating_sub(1) as f64;
        let mut left = -total / 2.0;
        for &vertex in layer {
            x[vertex] = left + width[vertex] / 2.0;
            left += width[vertex] + NODE_GAP;
        }
    }
    for sweep in 0..PLACEMENT_SWEEPS {
        let downwards = sweep % 2 == 0;
        let rows: Vec<usize> = if downwards {
            (1..order.len()).collect()
        } else {
            (0..order.len().saturating_sub(1)).rev().collect()
        };
        let neighbours = if downwards { up } else { down };
        for row in rows {
            let layer = &order[row];
            let wanted: Vec<f64> = layer
                .iter()
                .map(|&vertex| {
                    // A node follows the nodes it is linked to directly, and a long edge
                    // the way it came: so a flow's main line stays straight however many
                    // long edges pass it on their way to a shared end.
                    let around = &neighbours[vertex];
                    let real: Vec<usize> =
                        around.iter().copied().filter(|&n| n < real_count).collect();
                    let pulls = if vertex < real_count && !real.is_empty() {
                        &real
                    } else {
                        around
                    };
                    if pulls.is_empty() {
                        x[vertex]
                    } else {
                        pulls.iter().map(|&n| x[n]).sum::<f64>() / pulls.len() as f64
                    }
                })
                .collect();
            // Closest placement in order without overlap: push right from the left, push
            // left from the right, and meet halfway.
            let mut from_left = wanted.clone();
            for at in 1..layer.len() {
                let least =
                    from_left[at - 1] + (width[layer[at - 1]] + width[layer[at]]) / 2.0 + NODE_GAP;
                from_left[at] = from_left[at].max(least);
            }
            let mut from_right = wanted;
            for at in (0..layer.len().saturating_sub(1)).rev() {
                let most =
                    from_right[at + 1] - (width[layer[at + 1]] + width[layer[at]]) / 2.0 - NODE_GAP;
                from_right[at] = from_right[at].min(most);
            }
            for (at, &vertex) in layer.iter().enumerate() {
                x[vertex] = (from_left[at] + from_right[at]) / 2.0;
            }
        }
    }
    x
}
