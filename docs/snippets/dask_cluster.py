import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

import riemgd
from riemgd import losses, models, spaces


def target(x):  # called once per chunk of points, on that chunk (a numpy array)
    return np.sin(2 * np.pi * x) + 0.5 * x


if __name__ == "__main__":  # worker processes import this file: start the cluster only here
    # from one core to a cluster: two lines (or Client("tcp://scheduler:8786") for a real one)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1)
    client = Client(cluster)
    print("dashboard:", client.dashboard_link)

    # 200 000 samples in 4 chunks along the samples; built while the client is active,
    # so the chunks are persisted (kept) on its workers
    x = da.random.default_rng(0).uniform(0.0, 1.0, 200_000, chunks=50_000)
    space = spaces.L2(x)  # weights 1/m, chunked like the points
    network = models.ShallowNetwork(in_dim=1, width=20)
    manifold = riemgd.ModelManifold(network, space, solver="parameter")
    problem = riemgd.Problem(manifold, losses.L2(target))

    # the same optimizers, unchanged: G, ∇θL and the cost are sums over chunks
    optimizer = riemgd.HeavyBall(step_size=0.5, momentum=0.5, max_iterations=30, min_gradient_norm=0.0)
    result = optimizer.run(problem, initial_point=manifold.random_point(rng=0))
    print(f"heavy ball on {len(x.chunks[0])} chunks: cost {result.cost:.2e} after {result.iterations} iterations")

    client.close()
    cluster.close()
