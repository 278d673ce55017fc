import { h } from '../dom.js'

export default { id: 'users', title: 'users', roles: ['admin'], render (root) { root.appendChild(h('p', {}, '建设中')) } }
