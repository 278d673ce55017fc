import { h } from '../dom.js'

export default { id: 'members', title: 'members', roles: ['admin'], render (root) { root.appendChild(h('p', {}, '建设中')) } }
