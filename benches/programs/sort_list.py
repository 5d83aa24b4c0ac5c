steps = list(" " * 100000)
seed = 42
values = []
for i in range(len(steps)):
    seed = (seed * 1103515245 + 12345) % 2147483648
    values.append(seed)
values.sort()
print(values[0])
print(values[99999])
