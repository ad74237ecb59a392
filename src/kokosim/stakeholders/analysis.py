"""Net-Map style analyses of an actor map; every result is a DataFrame or plain data.

Which relations count
---------------------
* **Working ties** (``kooperation``, ``allianz``, ``informell``, ``einfluss``) carry contact,
  information and influence. Centralities, brokers, silos, isolated actors, articulation points
  and paths to the "self" are computed on the undirected graph of working ties; a directed
  ``einfluss`` arc counts as a tie between the two actors. Conflicts and broken relations do not
  connect actors.
* **Issue nodes** are topics, not actors: they are left out of all analyses except the drawing.
* **Signed graph** for structural balance: ``kooperation`` and ``allianz`` are positive,
  ``konflikt`` negative; if a pair has both, the conflict decides. A triad is unbalanced when the
  product of its three signs is negative (Heider; Cartwright and Harary).

Every function takes a map (a :class:`~kokosim.stakeholders.StakeholderMap`, or any
:class:`~kokosim.stakeholders.model.MapCore`) and leaves it unchanged. Result tables use German
column names because trainers and trainees read them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import combinations
from statistics import median

import networkx as nx
import pandas as pd

from kokosim.escalation import recommend_interventions, stage as glasl_stage
from kokosim.stakeholders.exchange import ACTOR_HEADERS
from kokosim.stakeholders.model import MapCore
from kokosim.stakeholders.style import QUADRANTS
from kokosim.stakeholders.vocabulary import STANCES

__all__ = [
    "WORKING_KINDS",
    "COOPERATIVE_KINDS",
    "EXACT_BETWEENNESS_LIMIT",
    "OVERVIEW_FIELDS",
    "working_ties",
    "signed_ties",
    "actors_overview",
    "centralities",
    "brokers",
    "silos",
    "isolated_actors",
    "articulation_points",
    "parts_without",
    "cut_off_by",
    "network_roles",
    "ego_map",
    "no_path_to_self",
    "camps_without_cooperation",
    "mendelow",
    "influence_by_camp",
    "conflicts",
    "conflict_hotspots",
    "unbalanced_triads",
    "structural_balance",
    "summary",
]

WORKING_KINDS: tuple[str, ...] = ("kooperation", "allianz", "informell", "einfluss")
COOPERATIVE_KINDS: tuple[str, ...] = ("kooperation", "allianz")
#: Up to this many actors betweenness is exact; above it is estimated from 100 sampled sources
#: (networkx's ``k`` option), which keeps a 5,000-actor map at a few seconds.
EXACT_BETWEENNESS_LIMIT = 1000
_BETWEENNESS_SAMPLES = 100
_INDEX = "Akteur"
_NO_STANCE = "ohne Haltung"


def _actors(karte: MapCore) -> list[str]:
    return [n for n, d in karte.graph.nodes(data=True) if not d["is_issue"]]


def working_ties(karte: MapCore) -> nx.Graph:
    """Undirected simple graph of the working ties between actors (issue nodes left out).

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> g = working_ties(example_map())
    >>> g.number_of_nodes(), g.number_of_edges(), g.has_edge("Initiative", "Presse")
    (7, 7, True)
    """
    graph = nx.Graph()
    graph.add_nodes_from(_actors(karte))
    graph.add_edges_from((s, t) for s, t, _, _ in karte.relations(WORKING_KINDS)
                         if s in graph and t in graph)
    return graph


def signed_ties(karte: MapCore) -> nx.Graph:
    """Undirected graph with edge attribute ``sign`` (+1 cooperation/alliance, -1 conflict).

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> signed_ties(example_map()).edges["Amt", "Verein"]["sign"]
    -1
    """
    graph = nx.Graph()
    actors = set(_actors(karte))
    for source, target, kind, _ in karte.relations((*COOPERATIVE_KINDS, "konflikt")):
        if source in actors and target in actors:
            sign = -1 if kind == "konflikt" else 1
            previous = graph.edges[source, target]["sign"] if graph.has_edge(source, target) else 1
            graph.add_edge(source, target, sign=min(sign, previous))
    return graph


#: Fields shown by :func:`actors_overview` unless others are asked for.
OVERVIEW_FIELDS: tuple[str, ...] = ("sector", "role", "influence", "stance", "power", "interest",
                                    "is_shadow", "is_issue", "is_self")
_FLAGS = ("is_shadow", "is_issue", "is_self")


def actors_overview(karte: MapCore, fields: Iterable[str] = OVERVIEW_FIELDS) -> pd.DataFrame:
    """The actors as a table with German headers and values, for reading in a workshop.

    Parameters
    ----------
    karte : StakeholderMap
    fields : iterable of str, default :data:`OVERVIEW_FIELDS`
        Actor fields to show (see :data:`~kokosim.stakeholders.model.ACTOR_FIELDS`).

    Returns
    -------
    DataFrame
        Indexed by actor (``Akteur``, map order, issue nodes included); headers as in the CSV
        files (``Sektor``, ``Rolle``, ``Einfluss``, ``Haltung``, ``Macht``, ...); several stances
        joined with ``/``, flags as ``ja``/``nein``, missing values empty.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> actors_overview(example_map(), ["sector", "stance", "power", "is_self"]).head(3)
                      Sektor Haltung Macht  Ich
    Akteur
    KMS           Verwaltung neutral     4   ja
    Amt           Verwaltung     pro     8  nein
    Verein  Zivilgesellschaft  contra     3  nein
    """
    fields = list(fields)
    unknown = [f for f in fields if f not in ACTOR_HEADERS or f == "name"]
    if unknown:
        raise ValueError(f"unknown actor fields: {unknown}")

    def shown(field: str, value: object) -> object:
        if field in _FLAGS:
            return "ja" if value else "nein"
        if field == "stance":
            return "/".join(value)  # type: ignore[arg-type]
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    names = list(karte.actors)
    return _frame({ACTOR_HEADERS[f][0]: [shown(f, karte.graph.nodes[n][f]) for n in names]
                   for f in fields}, names)


def _frame(data: dict[str, list], index: list[str]) -> pd.DataFrame:
    return pd.DataFrame(data, index=pd.Index(index, name=_INDEX))


def _betweenness(graph: nx.Graph, seed: int) -> dict[str, float]:
    if graph.number_of_nodes() <= EXACT_BETWEENNESS_LIMIT:
        return nx.betweenness_centrality(graph)
    return nx.betweenness_centrality(graph, k=_BETWEENNESS_SAMPLES, seed=seed)


def centralities(karte: MapCore, seed: int = 0) -> pd.DataFrame:
    """Degree, betweenness and eigenvector centrality of every actor (working ties).

    Parameters
    ----------
    karte : StakeholderMap
    seed : int, default 0
        Seed for the sampled betweenness of maps with more than
        :data:`EXACT_BETWEENNESS_LIMIT` actors (smaller maps are computed exactly).

    Returns
    -------
    DataFrame
        Indexed by actor, in map order. ``Verbindungen``: number of working ties; ``Grad``:
        degree centrality; ``Betweenness``; ``Eigenvektor``: eigenvector centrality, defined
        (and computed) only on the largest connected part of the map, ``NaN`` elsewhere.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> table = centralities(example_map())
    >>> verein = table.loc["Verein"]
    >>> int(verein["Verbindungen"]), round(float(verein["Betweenness"]), 3)
    (4, 0.367)
    >>> bool(table["Eigenvektor"].isna()["Investor"])
    True
    """
    graph = working_ties(karte)
    actors = list(graph.nodes)
    eigenvector: dict[str, float] = {}
    if graph.number_of_edges():
        largest = graph.subgraph(max(nx.connected_components(graph), key=len))
        eigenvector = nx.eigenvector_centrality_numpy(largest) if len(largest) > 2 else \
            dict.fromkeys(largest, 1 / math.sqrt(len(largest)))
    degree = nx.degree_centrality(graph) if len(graph) > 1 else dict.fromkeys(actors, 0.0)
    betweenness = _betweenness(graph, seed)
    return _frame({
        "Verbindungen": [graph.degree(a) for a in actors],
        "Grad": [degree[a] for a in actors],
        "Betweenness": [betweenness[a] for a in actors],
        "Eigenvektor": [eigenvector.get(a, math.nan) for a in actors],
    }, actors)


def brokers(karte: MapCore, seed: int = 0) -> pd.DataFrame:
    """Actors ranked by how much they bridge otherwise separate parts of the map, best first.

    Uses betweenness centrality and Burt's structural-hole measures from networkx: a low
    ``Constraint`` and a high ``Effektive Größe`` mean the actor's contacts are not connected
    among themselves, so the actor spans a structural hole.

    Parameters
    ----------
    karte : StakeholderMap
    seed : int, default 0
        See :func:`centralities`.

    Returns
    -------
    DataFrame
        Indexed by actor; columns ``Betweenness``, ``Constraint``, ``Effektive Größe`` (both
        ``NaN`` for actors without ties); sorted by betweenness (high first), then constraint
        (low first), then name.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> table = brokers(example_map())
    >>> table.index[0]
    'Verein'
    >>> table.round(2).head(3)
            Betweenness  Constraint  Effektive Größe
    Akteur
    Verein         0.37        0.38             3.50
    Presse         0.13        0.53             2.33
    KMS            0.07        0.50             2.00
    """
    graph = working_ties(karte)
    betweenness = _betweenness(graph, seed)
    # networkx refuses Burt's measures on a map without actors
    constraint = nx.constraint(graph) if len(graph) else {}
    effective = nx.effective_size(graph) if len(graph) else {}
    actors = list(graph.nodes)
    table = _frame({
        "Betweenness": [betweenness[a] for a in actors],
        "Constraint": [constraint[a] for a in actors],
        "Effektive Größe": [effective[a] for a in actors],
    }, actors)
    order = sorted(actors, key=lambda a: (-betweenness[a], _nan_last(constraint[a]), a))
    return table.loc[order]


def _nan_last(value: float) -> float:
    return math.inf if math.isnan(value) else value


def silos(karte: MapCore, seed: int = 0) -> pd.DataFrame:
    """Silos: groups of actors with dense working ties among themselves (Louvain communities).

    Parameters
    ----------
    karte : StakeholderMap
    seed : int, default 0
        Seed of the community detection (same seed, same silos).

    Returns
    -------
    DataFrame
        Indexed by actor in map order; ``Silo`` numbers the groups from 1 (largest first;
        an actor without working ties forms a silo of its own) and ``Silogröße`` gives the size.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> table = silos(example_map())
    >>> int(table["Silo"].max()), int(table.loc["Investor", "Silogröße"])
    (3, 1)
    """
    graph = working_ties(karte)
    communities = nx.community.louvain_communities(graph, seed=seed)
    position = {actor: i for i, actor in enumerate(graph.nodes)}
    communities.sort(key=lambda c: (-len(c), min(position[a] for a in c)))
    number = {actor: i for i, group in enumerate(communities, start=1) for actor in group}
    size = {actor: len(group) for group in communities for actor in group}
    actors = list(graph.nodes)
    return _frame({"Silo": [number[a] for a in actors], "Silogröße": [size[a] for a in actors]},
                  actors)


def isolated_actors(karte: MapCore, max_ties: int = 0) -> list[str]:
    """Actors with at most ``max_ties`` working ties, in map order.

    Parameters
    ----------
    karte : StakeholderMap
    max_ties : int, default 0
        0 lists isolated actors; 1 adds actors hanging on a single tie.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> isolated_actors(example_map()), isolated_actors(example_map(), max_ties=1)
    (['Investor'], ['Investor', 'Moscheegemeinde'])
    """
    if max_ties < 0:
        raise ValueError(f"max_ties={max_ties!r} is out of range: expected max_ties >= 0")
    graph = working_ties(karte)
    return [actor for actor in graph.nodes if graph.degree(actor) <= max_ties]


def articulation_points(karte: MapCore) -> list[str]:
    """Single points of failure: actors whose loss splits the network of working ties.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> articulation_points(example_map())
    ['Verein']
    """
    graph = working_ties(karte)
    points = set(nx.articulation_points(graph))
    return [actor for actor in graph.nodes if actor in points]


def _require_actor(karte: MapCore, actor: str) -> None:
    if actor not in karte or karte.graph.nodes[actor]["is_issue"]:
        raise ValueError(f"{actor!r} is not an actor of the map (issue nodes do not count)")


def parts_without(karte: MapCore, actor: str) -> int:
    """Number of connected parts of the network of working ties once ``actor`` drops out.

    An actor without any working tie counts as a part of its own. Compare the result with
    ``nx.number_connected_components(working_ties(karte))``: an actor is a single point of
    failure (:func:`articulation_points`) exactly when the number grows without it.

    Raises
    ------
    ValueError
        If ``actor`` is not an actor of the map.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> parts_without(example_map(), "Verein"), parts_without(example_map(), "Presse")
    (3, 2)
    """
    _require_actor(karte, actor)
    return _parts_without(working_ties(karte), actor)


def _parts_without(graph: nx.Graph, actor: str) -> int:
    """Connected parts of ``graph`` without ``actor`` (``graph`` itself is left unchanged)."""
    return nx.number_connected_components(graph.subgraph(set(graph) - {actor}))


def cut_off_by(karte: MapCore, actor: str) -> list[str]:
    """Actors that lose every chain of working ties to the rest of the network without ``actor``.

    Of the part of the network ``actor`` belongs to, the largest piece left over counts as the
    rest; the actors of the smaller pieces are cut off (in map order). Actors that had no chain
    to ``actor`` before are never listed.

    Raises
    ------
    ValueError
        If ``actor`` is not an actor of the map.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> cut_off_by(example_map(), "Verein"), cut_off_by(example_map(), "Presse")
    (['Moscheegemeinde'], [])
    """
    _require_actor(karte, actor)
    graph = working_ties(karte)
    own_part = nx.node_connected_component(graph, actor) - {actor}
    graph.remove_node(actor)
    pieces = sorted((set(piece) for piece in nx.connected_components(graph.subgraph(own_part))),
                    key=len, reverse=True)
    lost = set().union(*pieces[1:])
    return [a for a in karte.actors if a in lost]


def network_roles(karte: MapCore, seed: int = 0) -> pd.DataFrame:
    """Who connects, who holds the network together, who belongs together: one plain table.

    The Net-Map questions in words a workshop understands, without the measures' names:

    * ``Arbeitsbeziehungen`` — number of working ties of the actor,
    * ``Brückenwert`` — share (0–1) of the shortest chains between two other actors that run
      through this actor (betweenness centrality): high values mark actors that connect
      groups which otherwise hardly talk to each other,
    * ``Teile ohne den Akteur`` — into how many parts the network falls without this actor
      (:func:`parts_without`),
    * ``Gruppe`` — number of the group of actors closely tied among themselves (:func:`silos`).

    Parameters
    ----------
    karte : StakeholderMap
    seed : int, default 0
        Seed of the groups and of sampled betweenness on very large maps.

    Returns
    -------
    DataFrame
        Indexed by actor; highest ``Brückenwert`` first, then most ties, then map order.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> network_roles(example_map()).round(2).head(3)
            Arbeitsbeziehungen  Brückenwert  Teile ohne den Akteur  Gruppe
    Akteur
    Verein                   4         0.37                      3       1
    Presse                   3         0.13                      2       1
    KMS                      2         0.07                      2       2
    """
    graph = working_ties(karte)
    betweenness = _betweenness(graph, seed)
    group = silos(karte, seed=seed)["Silo"]
    position = {actor: i for i, actor in enumerate(graph.nodes)}
    actors = sorted(graph.nodes,
                    key=lambda a: (-betweenness[a], -graph.degree(a), position[a]))
    return _frame({
        "Arbeitsbeziehungen": [graph.degree(a) for a in actors],
        "Brückenwert": [betweenness[a] for a in actors],
        "Teile ohne den Akteur": [_parts_without(graph, a) for a in actors],
        "Gruppe": [int(group[a]) for a in actors],
    }, actors)


def ego_map(karte: MapCore, actor: str) -> MapCore:
    """A copy of the map with only ``actor`` and the actors it has any relation with.

    Handy to read the relations of one actor on a crowded map; all relations among the kept
    actors (also issue nodes) stay.

    Raises
    ------
    ValueError
        If ``actor`` is not on the map.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> small = ego_map(example_map(), "Initiative")
    >>> sorted(small.actors), len(list(small.relations()))
    (['Amt', 'Initiative', 'Presse', 'Verein'], 6)
    """
    if actor not in karte:
        raise ValueError(f"{actor!r} is not on the map")
    graph = karte.graph
    keep = {actor, *graph.predecessors(actor), *graph.successors(actor)}
    small = karte.copy()
    for name in karte.actors:
        if name not in keep:
            small.remove_actor(name)
    return small


def no_path_to_self(karte: MapCore, min_influence: int | None = None) -> pd.DataFrame:
    """Influential actors without any chain of working ties to the "self" (missing links).

    Parameters
    ----------
    karte : StakeholderMap
        Must have an actor flagged ``is_self``.
    min_influence : int, optional
        Influence from which an actor counts as influential; default: the median influence of
        all actors.

    Returns
    -------
    DataFrame
        Indexed by actor, column ``Einfluss``, most influential first.

    Raises
    ------
    ValueError
        If the map has no "self" actor.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> no_path_to_self(example_map())
              Einfluss
    Akteur
    Investor         5
    """
    me = karte.self_actor
    if me is None:
        raise ValueError("karte has no actor with is_self=True: mark the mapper (e.g. the KMS "
                         "coordination) as self first")
    graph = working_ties(karte)
    influence = {a: karte.graph.nodes[a]["influence"] for a in graph.nodes}
    threshold = median(influence.values()) if min_influence is None else min_influence
    reachable = nx.node_connected_component(graph, me)
    cut_off = sorted((a for a in graph.nodes if a not in reachable and influence[a] >= threshold),
                     key=lambda a: -influence[a])
    return _frame({"Einfluss": [influence[a] for a in cut_off]}, cut_off)


def _camps(karte: MapCore) -> dict[str, list[str]]:
    camps: dict[str, list[str]] = {}
    for actor in _actors(karte):
        for camp in karte.graph.nodes[actor]["stance"] or (_NO_STANCE,):
            camps.setdefault(camp, []).append(actor)
    order = [*STANCES, _NO_STANCE]
    return {camp: camps[camp] for camp in order if camp in camps}


def camps_without_cooperation(karte: MapCore) -> list[tuple[str, str]]:
    """Pairs of goal camps (stances) with no cooperation or alliance between their members.

    Actors without a stance are left out; an actor with several stances belongs to each camp.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> camps_without_cooperation(example_map())
    [('pro', 'contra')]
    """
    camps = {c: set(m) for c, m in _camps(karte).items() if c != _NO_STANCE}
    linked: set[frozenset[str]] = set()
    for source, target, _, _ in karte.relations(COOPERATIVE_KINDS):
        for first, second in combinations(camps, 2):
            if (source in camps[first] and target in camps[second]) or \
                    (source in camps[second] and target in camps[first]):
                linked.add(frozenset((first, second)))
    return [(a, b) for a, b in combinations(camps, 2) if frozenset((a, b)) not in linked]


def mendelow(karte: MapCore, threshold: float = 5.0) -> pd.DataFrame:
    """Mendelow power/interest quadrant of every actor.

    Parameters
    ----------
    karte : StakeholderMap
    threshold : float, default 5.0
        Power or interest above this value (scale 0..10) counts as high.

    Returns
    -------
    DataFrame
        Indexed by actor; ``Macht``, ``Interesse`` and ``Quadrant``: ``eng einbinden`` (manage
        closely), ``zufriedenstellen`` (keep satisfied), ``informiert halten`` (keep informed),
        ``beobachten`` (monitor) or ``nicht eingeschätzt`` when power or interest is missing.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> mendelow(example_map()).loc[["Amt", "Investor", "Verein", "Presse"], "Quadrant"].tolist()
    ['eng einbinden', 'zufriedenstellen', 'informiert halten', 'beobachten']
    """
    actors = _actors(karte)
    power = [karte.graph.nodes[a]["power"] for a in actors]
    interest = [karte.graph.nodes[a]["interest"] for a in actors]
    quadrant = ["nicht eingeschätzt" if p is None or i is None
                else QUADRANTS[(p > threshold, i > threshold)] for p, i in zip(power, interest)]
    return _frame({"Macht": [math.nan if p is None else p for p in power],
                   "Interesse": [math.nan if i is None else i for i in interest],
                   "Quadrant": quadrant}, actors)


def influence_by_camp(karte: MapCore) -> pd.DataFrame:
    """Influence summed per goal camp (Net-Map "sum it up").

    Returns
    -------
    DataFrame
        Indexed by camp (``pro``, ``contra``, ``neutral``, ``ohne Haltung``; only camps with
        members), columns ``Einfluss`` (sum of influence towers), ``Akteure`` (count) and
        ``Mitglieder``; strongest camp first. An actor with several stances counts in each.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> influence_by_camp(example_map())[["Einfluss", "Akteure"]]
             Einfluss  Akteure
    Lager
    pro            10        3
    contra          5        2
    neutral         5        2
    """
    camps = _camps(karte)
    influence = {c: sum(karte.graph.nodes[a]["influence"] for a in m) for c, m in camps.items()}
    order = sorted(camps, key=lambda c: -influence[c])
    return pd.DataFrame({"Einfluss": [influence[c] for c in order],
                         "Akteure": [len(camps[c]) for c in order],
                         "Mitglieder": [", ".join(camps[c]) for c in order]},
                        index=pd.Index(order, name="Lager"))


def conflicts(karte: MapCore) -> pd.DataFrame:
    """All conflict relations with their Glasl stage and the fitting interventions.

    Returns
    -------
    DataFrame
        Columns ``Partei A``, ``Partei B``, ``Stufe`` (nullable integer), ``Stufenname``,
        ``Ebene`` and ``Empfehlung`` (interventions fitting the stage, best first, after
        :func:`kokosim.escalation.recommend_interventions`); most escalated first.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> conflicts(example_map())[["Partei A", "Partei B", "Stufe", "Stufenname"]]
      Partei A    Partei B  Stufe              Stufenname
    0      Amt  Initiative      5         Gesichtsverlust
    1      Amt      Verein      4  Images und Koalitionen
    """
    rows = []
    for source, target, _, data in karte.relations(["konflikt"]):
        number = data["stage"]
        known = glasl_stage(number) if number is not None else None
        rows.append({
            "Partei A": source, "Partei B": target, "Stufe": number,
            "Stufenname": known.name if known else "",
            "Ebene": known.level if known else "",
            "Empfehlung": ", ".join(i.name for i in recommend_interventions(number))
            if number is not None else "",
        })
    table = pd.DataFrame(rows, columns=["Partei A", "Partei B", "Stufe", "Stufenname", "Ebene",
                                        "Empfehlung"])
    table["Stufe"] = table["Stufe"].astype("Int64")
    return table.sort_values("Stufe", ascending=False, na_position="last",
                             kind="stable").reset_index(drop=True)


def conflict_hotspots(karte: MapCore, min_conflicts: int = 2) -> pd.DataFrame:
    """Actors involved in several conflicts.

    Parameters
    ----------
    karte : StakeholderMap
    min_conflicts : int, default 2
        Least number of conflict relations to be listed.

    Returns
    -------
    DataFrame
        Indexed by actor; ``Konflikte`` (count), ``Höchste Stufe`` (nullable integer) and
        ``Gegenüber`` (the other parties); most conflicts first, then highest stage.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> conflict_hotspots(example_map())
            Konflikte  Höchste Stufe           Gegenüber
    Akteur
    Amt             2              5  Verein, Initiative
    """
    others: dict[str, list[str]] = {}
    stages: dict[str, list[int]] = {}
    for source, target, _, data in karte.relations(["konflikt"]):
        for actor, other in ((source, target), (target, source)):
            others.setdefault(actor, []).append(other)
            if data["stage"] is not None:
                stages.setdefault(actor, []).append(data["stage"])
    chosen = [a for a in karte.actors if len(others.get(a, ())) >= min_conflicts]
    chosen.sort(key=lambda a: (-len(others[a]), -max(stages.get(a, [0]))))
    table = _frame({"Konflikte": [len(others[a]) for a in chosen],
                    "Höchste Stufe": [max(stages[a]) if a in stages else None for a in chosen],
                    "Gegenüber": [", ".join(others[a]) for a in chosen]}, chosen)
    table["Höchste Stufe"] = table["Höchste Stufe"].astype("Int64")
    return table


def _triangles(graph: nx.Graph) -> Iterable[list[str]]:
    for clique in nx.enumerate_all_cliques(graph):
        if len(clique) == 3:
            yield clique
        elif len(clique) > 3:
            return


def unbalanced_triads(karte: MapCore) -> pd.DataFrame:
    """Triads of the signed graph whose sign product is negative (structurally unbalanced).

    Typical case: two allies, one of which is in conflict with a partner of the other
    ("+ + −"), or three mutual conflicts ("− − −").

    Returns
    -------
    DataFrame
        Columns ``Akteur 1``, ``Akteur 2``, ``Akteur 3`` (in map order) and ``Vorzeichen``
        (signs of the ties 1–2, 1–3, 2–3).

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> unbalanced_triads(example_map())
      Akteur 1 Akteur 2 Akteur 3 Vorzeichen
    0      Amt   Verein   Presse      − + +
    """
    graph = signed_ties(karte)
    position = {actor: i for i, actor in enumerate(karte.actors)}
    rows = []
    for triad in _triangles(graph):
        a, b, c = sorted(triad, key=position.__getitem__)
        signs = [graph.edges[u, v]["sign"] for u, v in ((a, b), (a, c), (b, c))]
        if math.prod(signs) < 0:
            rows.append((position[a], position[b], position[c], a, b, c,
                         " ".join("+" if s > 0 else "−" for s in signs)))
    rows.sort()
    return pd.DataFrame([row[3:] for row in rows],
                        columns=["Akteur 1", "Akteur 2", "Akteur 3", "Vorzeichen"])


def structural_balance(karte: MapCore) -> dict[str, float]:
    """Counts of triads in the signed graph and the share that is balanced.

    Returns
    -------
    dict
        ``triaden`` (closed triads of signed ties), ``unausgeglichen`` (unbalanced ones) and
        ``anteil_ausgeglichen`` (share of balanced triads, ``nan`` without triads).

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> structural_balance(example_map())
    {'triaden': 2, 'unausgeglichen': 1, 'anteil_ausgeglichen': 0.5}
    """
    total = sum(nx.triangles(signed_ties(karte)).values()) // 3
    unbalanced = len(unbalanced_triads(karte))
    share = (total - unbalanced) / total if total else math.nan
    return {"triaden": total, "unausgeglichen": unbalanced, "anteil_ausgeglichen": share}


def _names(names: Iterable[str], limit: int = 5) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" und {len(names) - limit} weitere" if len(names) > limit else "") \
        if names else "keine"


def summary(karte: MapCore, seed: int = 0) -> str:
    """A short German summary of the map for a workshop flipchart.

    Parameters
    ----------
    karte : StakeholderMap
    seed : int, default 0
        Seed of the silo detection and of sampled betweenness on very large maps.

    Returns
    -------
    str
        Several lines of plain text.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> print(summary(example_map()))
    Akteurslandkarte: 7 Akteure, 1 Themenknoten, 11 Beziehungen.
    Beziehungen: 3 Kooperation, 1 Allianz, 2 informell, 3 Einfluss, 2 Konflikt, 0 unterbrochen.
    Zentral (meiste Verbindungen): Verein, Presse, KMS.
    Brückenbauer (Broker): Verein, Presse, KMS.
    Schlüsselstellen (fällt sie weg, zerfällt das Netz): Verein.
    Silos: 3; isolierte Akteure: Investor.
    Ohne Verbindung zur Koordination (KMS): Investor.
    Lager ohne Kooperation miteinander: pro – contra.
    Einfluss je Lager: pro 10, contra 5, neutral 5.
    Eng einbinden (Mendelow): Amt.
    Konflikte: 2, höchste Glasl-Stufe 5 (Gesichtsverlust) zwischen Amt und Initiative.
    Konfliktbrennpunkte: Amt (2).
    Unausgeglichene Dreiecke: 1 von 2.
    """
    kinds = [k for _, _, k, _ in karte.relations()]
    actors = _actors(karte)
    lines = [
        f"Akteurslandkarte: {len(actors)} Akteure, {len(karte) - len(actors)} Themenknoten, "
        f"{len(kinds)} Beziehungen.",
        "Beziehungen: " + ", ".join(f"{kinds.count(k)} {label}" for k, label in (
            ("kooperation", "Kooperation"), ("allianz", "Allianz"), ("informell", "informell"),
            ("einfluss", "Einfluss"), ("konflikt", "Konflikt"), ("unterbrochen", "unterbrochen")))
        + ".",
    ]
    if not actors:
        return "\n".join(lines)
    ties = working_ties(karte)
    central = sorted((a for a in ties if ties.degree(a)), key=lambda a: -ties.degree(a))
    ranked = brokers(karte, seed=seed)
    lines += [
        f"Zentral (meiste Verbindungen): {_names(central[:3])}.",
        f"Brückenbauer (Broker): {_names(ranked.index[ranked['Betweenness'] > 0][:3])}.",
        f"Schlüsselstellen (fällt sie weg, zerfällt das Netz): "
        f"{_names(articulation_points(karte))}.",
        f"Silos: {silos(karte, seed=seed)['Silo'].nunique()}; isolierte Akteure: "
        f"{_names(isolated_actors(karte))}.",
    ]
    if karte.self_actor is not None:
        lines.append(f"Ohne Verbindung zur Koordination ({karte.self_actor}): "
                     f"{_names(no_path_to_self(karte).index)}.")
    gaps = camps_without_cooperation(karte)
    lines.append("Lager ohne Kooperation miteinander: "
                 + (", ".join(f"{a} – {b}" for a, b in gaps) if gaps else "keine") + ".")
    camps = influence_by_camp(karte)
    lines.append("Einfluss je Lager: "
                 + ", ".join(f"{c} {v}" for c, v in camps["Einfluss"].items()) + ".")
    grid = mendelow(karte)
    lines.append(f"Eng einbinden (Mendelow): "
                 f"{_names(grid.index[grid['Quadrant'] == 'eng einbinden'])}.")
    table = conflicts(karte)
    if len(table):
        top = table.iloc[0]
        worst = (f", höchste Glasl-Stufe {top['Stufe']} ({top['Stufenname']}) zwischen "
                 f"{top['Partei A']} und {top['Partei B']}" if pd.notna(top["Stufe"]) else "")
        hotspots = conflict_hotspots(karte)
        lines += [f"Konflikte: {len(table)}{worst}.",
                  "Konfliktbrennpunkte: " + (", ".join(
                      f"{a} ({n})" for a, n in hotspots["Konflikte"].items()) or "keine") + "."]
    else:
        lines.append("Konflikte: keine.")
    balance = structural_balance(karte)
    lines.append(f"Unausgeglichene Dreiecke: {balance['unausgeglichen']} von "
                 f"{balance['triaden']}.")
    return "\n".join(lines)
